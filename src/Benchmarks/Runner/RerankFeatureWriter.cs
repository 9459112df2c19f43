using System.Text.Json;
using AgentMem.Benchmarks.Datasets;
using AgentMem.MemoryCore.Search;

namespace AgentMem.Benchmarks.Runner;

/// <summary>
/// Writes, per question, the reranker features of every candidate the hybrid returned (score components named
/// <c>rerank.NAME</c>) with the question's gold turns, one JSON object per line: the training data of
/// <c>bench/Reranker/train.py</c>. Lines: <c>{"question", "conversation" (1-based position), "category", "gold": [turn ids],
/// "candidates": [{"turns": [turn ids], "features": {NAME: value}}]}</c>.
/// </summary>
public sealed class RerankFeatureWriter : IAsyncDisposable
{
    private const string Prefix = "rerank.";
    private readonly StreamWriter writer;
    private readonly Dictionary<string, int> positions;

    private RerankFeatureWriter(StreamWriter writer, Dictionary<string, int> positions)
    {
        this.writer = writer;
        this.positions = positions;
    }

    /// <summary>Number of questions written.</summary>
    public int Questions { get; private set; }

    /// <summary>Creates (or replaces) <paramref name="path"/> for the questions of <paramref name="dataset"/>.</summary>
    public static RerankFeatureWriter Create(string path, BenchmarkDataset dataset)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(dataset);
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < dataset.Conversations.Count; i++)
        {
            positions[dataset.Conversations[i].Id] = i + 1;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        return new RerankFeatureWriter(new StreamWriter(path, append: false, new UTF8Encoding(false)), positions);
    }

    /// <summary>Writes one question's line; hits without reranker features are left out.</summary>
    /// <exception cref="InvalidOperationException">No hit carries features (the retriever does not report them).</exception>
    public async Task WriteAsync(BenchQuestion question, IReadOnlyList<SearchHit> hits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(hits);
        var candidates = new List<object>(hits.Count);
        foreach (var hit in hits)
        {
            var features = hit.Components.Where(c => c.Key.StartsWith(Prefix, StringComparison.Ordinal)).ToDictionary(c => c.Key[Prefix.Length..], c => c.Value, StringComparer.Ordinal);
            if (features.Count > 0)
            {
                candidates.Add(new { turns = new[] { hit.Item.Provenance.SourceRef ?? string.Empty }, features });
            }
        }

        if (hits.Count > 0 && candidates.Count == 0)
        {
            throw new InvalidOperationException("The evaluated retriever reports no reranker features: use the hybrid retriever.");
        }

        string line = JsonSerializer.Serialize(new
        {
            question = question.Id,
            conversation = positions.GetValueOrDefault(question.ConversationId),
            category = question.Category,
            gold = question.EvidenceTurnIds,
            candidates,
        });
        await writer.WriteLineAsync(line.AsMemory(), cancellationToken).ConfigureAwait(false);
        Questions++;
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => writer.DisposeAsync();
}
