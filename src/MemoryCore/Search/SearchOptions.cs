namespace AgentMem.MemoryCore.Search;

/// <summary>How <see cref="MemoryOS.SearchAsync(Model.Scope, string, string, SearchOptions, CancellationToken)"/> searches.</summary>
public sealed record SearchOptions
{
    /// <summary>How many hits (default <see cref="MemoryOSOptions.DefaultSearchK"/>; at most <see cref="MemoryOSOptions.MaxSearchK"/>).</summary>
    public int? K { get; init; }

    /// <summary>Extra conditions (scope, session, time, tags, states); the cube is always the searched one.</summary>
    public MemoryFilter? Filter { get; init; }

    /// <summary>The retriever by name (default: the facade's first).</summary>
    public string? Retriever { get; init; }

    /// <summary>
    /// Whether the hits count as recalled (each reinforced on the forgetting curve, with an audit line). Null follows
    /// <see cref="MemoryOSOptions.ReinforceOnSearch"/>; internal look-ups (a fact's candidates, duplicates) pass false.
    /// </summary>
    public bool? RecordRecall { get; init; }
}
