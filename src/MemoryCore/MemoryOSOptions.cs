namespace AgentMem.MemoryCore;

/// <summary>Options of the <see cref="MemoryOS"/> facade, with production defaults.</summary>
public sealed class MemoryOSOptions
{
    /// <summary>
    /// Largest memory text accepted, in UTF-8 bytes (default 4 MiB): a pasted log, file or long answer is stored whole;
    /// the retrieval state indexes a long text as passages, so a fact in its middle is still found. Anything larger is
    /// refused with <see cref="Errors.ContentTooLargeException"/>, never cut; importers skip or split such items by option.
    /// PostgreSQL's own full-text index (the <c>bm25</c> retriever there) holds at most 1 MiB of a memory's words, which a text
    /// of many distinct tokens can pass: such a text is stored whole and indexed there up to that point (docs/formats.md,
    /// PostgreSQL step 8).
    /// </summary>
    public int MaxContentBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Most tags a memory may carry, and most keywords (each list on its own; default 100, each label at most
    /// <see cref="Validation.ContentRules.MaxLabelLength"/> characters). More are refused with
    /// <see cref="Errors.MemoryValidationException"/>, never cut: a memory's text is held to <see cref="MaxContentBytes"/>,
    /// but its labels were not, and every version keeps them all (one request stored 30,000 tags on a two-byte text). A
    /// memory restored from an archive, or stored before this limit, with more keeps them; an update may not add to them.
    /// </summary>
    public int MaxLabels { get; set; } = 100;

    /// <summary>Largest search query accepted, in UTF-8 bytes (default 64 KiB).</summary>
    public int MaxQueryBytes { get; set; } = 64 * 1024;

    /// <summary>Results returned by search when the caller gives no k (default 10).</summary>
    public int DefaultSearchK { get; set; } = 10;

    /// <summary>Largest k a search may ask for (default 1,000); larger requests are refused, not truncated.</summary>
    public int MaxSearchK { get; set; } = 1000;

    /// <summary>
    /// Whether <see cref="MemoryOS.SearchAsync(Model.Scope, string, string, Search.SearchOptions, CancellationToken)"/> records a recall of every memory it returns, which
    /// reinforces them on the forgetting curve (see <see cref="Forgetting.ForgettingCurve"/>). Off by
    /// default, so benchmarks and read-only tools leave the store as they found it; agents turn it on.
    /// </summary>
    public bool ReinforceOnSearch { get; set; }

    /// <summary>
    /// The folder this database's payload files belong in (its payload folder: the KV cartridges of activation memories and
    /// the LoRA adapters of parametric ones), a full path; null (the default) for none. With one, a purge, a cube delete and
    /// a user forget delete such a file only inside it: a file elsewhere (another database's, such as the original of a cube
    /// imported before import copied the files, or one the caller put there) is left, and the erasure's audit line says so;
    /// the schedulers resolve a relative folder of theirs inside it, and a cube import copies the archive's files into it.
    /// Without one, every intact local file a payload names is taken as this database's, so two databases must not share
    /// payload files.
    /// </summary>
    public string? PayloadFolder { get; set; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> (or <see cref="ArgumentException"/> for a payload folder that is no full path) for settings that cannot work.</summary>
    public void Validate()
    {
        if (PayloadFolder is not null && !Path.IsPathFullyQualified(PayloadFolder))
        {
            // Resolved against the working directory when used, one process's payload folder would move with each cd.
            throw new ArgumentException($"The payload folder must be a full path; got '{PayloadFolder}'.", nameof(PayloadFolder));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxContentBytes, 16, nameof(MaxContentBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxQueryBytes, 16, nameof(MaxQueryBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxLabels, 1, nameof(MaxLabels));
        ArgumentOutOfRangeException.ThrowIfLessThan(DefaultSearchK, 1, nameof(DefaultSearchK));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSearchK, DefaultSearchK, nameof(MaxSearchK));
    }
}
