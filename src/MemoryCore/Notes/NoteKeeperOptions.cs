namespace AgentMem.MemoryCore.Notes;

/// <summary>Settings of <see cref="NoteKeeper"/>; the defaults are the measured configuration.</summary>
public sealed class NoteKeeperOptions
{
    /// <summary>Most links a new note gets (A-MEM's k nearest notes).</summary>
    public int MaxLinks { get; set; } = 3;

    /// <summary>Least summed IDF of shared keywords and tags for a link; lower links more, and more loosely.</summary>
    public double MinLinkScore { get; set; } = 4.0;

    /// <summary>
    /// Most links a note keeps; a neighbour that has this many gets no back-link (a hub linked to everything says little,
    /// and rewriting its growing link list on every add would make ingestion quadratic).
    /// </summary>
    public int MaxLinksPerNote { get; set; } = 12;

    /// <summary>
    /// Let a new note evolve its neighbours: they gain the back-link and, when strongly linked, its topic tags, not the caller's
    /// own (a new version with the reason). When false a note only links to its neighbours, which are never written.
    /// </summary>
    public bool Evolve { get; set; } = true;

    /// <summary>Least link weight for a neighbour to take over the new note's tags.</summary>
    public double EvolveMinWeight { get; set; } = 0.5;

    /// <summary>Most tags a note carries after evolution.</summary>
    public int MaxTags { get; set; } = 6;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for settings that cannot work.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(MaxLinks, nameof(MaxLinks));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTags, 1, nameof(MaxTags));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxLinksPerNote, MaxLinks, nameof(MaxLinksPerNote));
        if (!double.IsFinite(MinLinkScore) || MinLinkScore <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MinLinkScore), MinLinkScore, "The link threshold must be a positive number.");
        }

        if (!double.IsFinite(EvolveMinWeight) || EvolveMinWeight < 0 || EvolveMinWeight > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(EvolveMinWeight), EvolveMinWeight, "The evolution threshold is a link weight in [0, 1].");
        }
    }
}
