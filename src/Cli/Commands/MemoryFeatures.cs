using AgentMem.Retrieval.Hybrid;

namespace AgentMem.Cli.Commands;

/// <summary>
/// Which memory-intelligence features a benchmark run uses, so an ablation can switch them one by one:
/// <c>notes</c> (ingest as Zettelkasten notes: keywords, tags, context, links, evolution), <c>tags</c> (tag matching in
/// ranking), <c>links</c> (one-hop link expansion; needs notes to have links to follow) and <c>time</c> (time-aware ranking
/// of "when" questions).
/// </summary>
internal sealed record MemoryFeatures(bool Notes, bool Tags, bool Links, bool Time)
{
    /// <summary>Tag weight used when <see cref="Tags"/> is on.</summary>
    public const float TagWeight = 0.3f;

    /// <summary>
    /// Link-expansion weight used when <see cref="Links"/> is on (chosen on LoCoMo conversations 1–5 from 0.3, 0.1 and 0.03:
    /// at 0.3 a seed's neighbours displaced single-hop evidence from the top 10).
    /// </summary>
    public const float LinkWeight = 0.1f;

    /// <summary>Time weight used when <see cref="Time"/> is on (chosen on LoCoMo conversations 1–5).</summary>
    public const float TimeWeight = 0.3f;

    public static MemoryFeatures None { get; } = new(false, false, false, false);

    public static MemoryFeatures All { get; } = new(true, true, true, true);

    public bool IsNone => !Notes && !Tags && !Links && !Time;

    /// <summary>Parses none, all, or a comma list of notes, tags, links, time.</summary>
    public static MemoryFeatures Parse(string text)
    {
        string spec = text.Trim().ToLowerInvariant();
        if (spec is "none" or "")
        {
            return None;
        }

        if (spec == "all")
        {
            return All;
        }

        var result = None;
        foreach (string part in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            result = part switch
            {
                "notes" => result with { Notes = true },
                "tags" => result with { Tags = true },
                "links" => result with { Links = true },
                "time" => result with { Time = true },
                _ => throw new MemoryValidationException($"--features takes none, all, or a comma list of notes, tags, links, time; '{part}' is not one."),
            };
        }

        if (result.Links && !result.Notes)
        {
            throw new MemoryValidationException("--features links needs notes too: links are made when memories are ingested as notes.");
        }

        return result;
    }

    /// <summary>The hybrid settings for these features (tag and link weights on or off).</summary>
    public HybridOptions ApplyTo(HybridOptions options)
    {
        options.TagWeight = Tags ? TagWeight : 0;
        options.LinkWeight = Links ? LinkWeight : 0;
        options.TimeWeight = Time ? TimeWeight : 0;
        return options;
    }

    public override string ToString() => IsNone ? "none" : string.Join(",", new[] { Notes ? "notes" : null, Tags ? "tags" : null, Links ? "links" : null, Time ? "time" : null }.Where(s => s is not null));
}
