namespace AgentMem.Agents.Blocks;

/// <summary>Which core memory blocks exist and how large they may grow.</summary>
public sealed class CoreBlockOptions
{
    /// <summary>Longest block name accepted.</summary>
    public const int MaxNameLength = 40;

    /// <summary>
    /// The block names the model may write (default <c>persona</c> and <c>human</c>); other names are refused. A name is
    /// matched ignoring case, so two names may not differ in case only.
    /// </summary>
    public IList<string> Names { get; set; } = ["persona", "human"];

    /// <summary>
    /// Most characters one block may hold (default 2,000); an edit that would grow a block past it is refused (a replace that
    /// shortens a block already over it, written under a higher limit, is not).
    /// </summary>
    public int Limit { get; set; } = 2000;

    /// <summary>Throws <see cref="ArgumentException"/> for settings that cannot work.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Names, nameof(Names));
        ArgumentOutOfRangeException.ThrowIfLessThan(Limit, 1, nameof(Limit));
        if (Names.Count == 0)
        {
            throw new ArgumentException("At least one core block name is needed; set CoreBlocks to null to disable blocks.", nameof(Names));
        }

        // Names are matched ignoring case (RequireName): "human" and "Human" are one block, the second never written.
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (string name in Names)
        {
            // Names become tags and XML-like markers in the prompt, so keep them to a plain identifier.
            if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            {
                throw new ArgumentException($"Core block name '{name}' is not valid: use 1-{MaxNameLength} ASCII letters, digits, '_' or '-'.", nameof(Names));
            }

            if (!seen.Add(name))
            {
                throw new ArgumentException($"Core block name '{name}' is listed twice (names are matched ignoring case).", nameof(Names));
            }
        }
    }
}
