namespace AgentMem.Retrieval.Vectors;

/// <summary>Construction and search parameters of an <see cref="HnswIndex"/> (Malkov &amp; Yashunin's names).</summary>
public sealed record HnswOptions
{
    /// <summary>Links per node on the upper layers; layer 0 keeps twice as many.</summary>
    public int M { get; init; } = 16;

    /// <summary>Beam width while inserting: higher builds a better graph, more slowly.</summary>
    public int EfConstruction { get; init; } = 200;

    /// <summary>Default beam width while searching (raised to k when k is larger).</summary>
    public int EfSearch { get; init; } = 64;

    /// <summary>Initial capacity in vectors; the index grows past it when needed. Null: a small default.</summary>
    public int? MaxElements { get; init; }

    /// <summary>Seed of the level generator, so that a build is reproducible.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>
    /// Algorithm 4's keepPrunedConnections: fill a node's free link slots with candidates the heuristic
    /// discarded. Off by default, as in the paper's experiments.
    /// </summary>
    public bool KeepPrunedConnections { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for values the graph cannot work with.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(M, 2, nameof(M));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(M, 256, nameof(M));
        ArgumentOutOfRangeException.ThrowIfLessThan(EfConstruction, 1, nameof(EfConstruction));
        ArgumentOutOfRangeException.ThrowIfLessThan(EfSearch, 1, nameof(EfSearch));
        if (MaxElements is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(max, 1, nameof(MaxElements));
        }
    }
}
