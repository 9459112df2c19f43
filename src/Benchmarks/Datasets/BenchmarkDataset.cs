namespace AgentMem.Benchmarks.Datasets;

/// <summary>A loaded benchmark in the neutral model shared by all loaders.</summary>
/// <param name="Name">Dataset kind (<c>locomo</c>, <c>longmemeval</c> or <c>convomem</c>).</param>
/// <param name="Conversations">Conversations to ingest.</param>
/// <param name="Questions">Questions, each pointing at one conversation.</param>
/// <param name="SourcePath">Full path of the file or directory the dataset was read from.</param>
public sealed record BenchmarkDataset(
    string Name,
    IReadOnlyList<BenchConversation> Conversations,
    IReadOnlyList<BenchQuestion> Questions,
    string SourcePath)
{
    /// <summary>Lower-case hex SHA-256 of the source, as <see cref="DatasetHash.ComputeSha256"/> computes it.</summary>
    public string Sha256 { get; init; } = "";

    /// <summary>Tolerated irregularities found while loading.</summary>
    public DatasetDiagnostics Diagnostics { get; init; } = DatasetDiagnostics.None;

    /// <summary>Total number of sessions over all conversations.</summary>
    public int SessionCount => Conversations.Sum(c => c.Sessions.Count);

    /// <summary>Total number of turns over all conversations.</summary>
    public int TurnCount => Conversations.Sum(c => c.Sessions.Sum(s => s.Turns.Count));
}
