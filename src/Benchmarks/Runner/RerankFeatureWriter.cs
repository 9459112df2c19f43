using System.Text.Json;
using AgentMem.Benchmarks.Datasets;
using AgentMem.Common.IO;
using AgentMem.MemoryCore.Search;

namespace AgentMem.Benchmarks.Runner;

/// <summary>
/// Writes, per question, the reranker features of every candidate the hybrid returned (score components named
/// <c>rerank.NAME</c>) with the question's gold turns, one JSON object per line: the training data of
/// <c>bench/Reranker/train.py</c>. Lines: <c>{"question", "conversation" (1-based position), "category", "adversarial"
/// (<see cref="BenchQuestion.IsAdversarial"/>), "gold": [turn ids], "candidates": [{"turns": [turn ids], "features": {NAME: value}}]}</c>.
/// Turn ids that repeat gold evidence (<see cref="BenchQuestion.EvidenceCopies"/>) are written as the ids they repeat, gold
/// and candidates alike, so the file's recall is the one bench reports.
/// </summary>
public sealed class RerankFeatureWriter
{
    private const string Prefix = "rerank.";
    private readonly TextWriter writer;
    private readonly Dictionary<string, int> positions;

    private RerankFeatureWriter(TextWriter writer, Dictionary<string, int> positions)
    {
        this.writer = writer;
        this.positions = positions;
    }

    /// <summary>Number of questions written.</summary>
    public int Questions { get; private set; }

    /// <summary>
    /// Runs <paramref name="run"/> with a writer for the questions of <paramref name="dataset"/> whose lines replace
    /// <paramref name="path"/> only when the run completes (<see cref="CrashSafeFile"/>): a failed or cancelled run leaves
    /// the previous file as it was, where an empty or cut-off file would read as a complete training set.
    /// </summary>
    /// <param name="path">The JSON-lines file, created with its folder or replaced.</param>
    /// <param name="dataset">The dataset whose questions are written.</param>
    /// <param name="run">The benchmark run, which writes through the writer it is given.</param>
    /// <param name="cancellationToken">Cancels the run; the file is then left as it was.</param>
    /// <returns>The number of questions written.</returns>
    public static async Task<int> WriteFileAsync(string path, BenchmarkDataset dataset, Func<RerankFeatureWriter, CancellationToken, Task> run, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(run);
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < dataset.Conversations.Count; i++)
        {
            positions[dataset.Conversations[i].Id] = i + 1;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        int questions = 0;
        await CrashSafeFile.WriteAsync(
            path,
            async (stream, token) =>
            {
                var text = new StreamWriter(stream, new UTF8Encoding(false), bufferSize: -1, leaveOpen: true);
                await using (text.ConfigureAwait(false))
                {
                    var writer = new RerankFeatureWriter(text, positions);
                    await run(writer, token).ConfigureAwait(false);
                    questions = writer.Questions;
                }
            },
            cancellationToken).ConfigureAwait(false);
        return questions;
    }

    /// <summary>Writes one question's line; hits without reranker features are left out.</summary>
    /// <exception cref="InvalidOperationException">No hit carries features (the retriever does not report them).</exception>
    public async Task WriteAsync(BenchQuestion question, IReadOnlyList<SearchHit> hits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(hits);

        // A copy of gold evidence (a repeated answer session) is labelled as the evidence it repeats, as bench scores it:
        // with both copies gold, train.py divided by two where a retriever that collapses identical texts can find one.
        string Same(string id) => question.EvidenceCopies.GetValueOrDefault(id, id);
        var candidates = new List<object>(hits.Count);
        foreach (var hit in hits)
        {
            var features = hit.Components.Where(c => c.Key.StartsWith(Prefix, StringComparison.Ordinal)).ToDictionary(c => c.Key[Prefix.Length..], c => c.Value, StringComparer.Ordinal);
            if (features.Count > 0)
            {
                candidates.Add(new { turns = new[] { Same(hit.Item.Provenance.SourceRef ?? string.Empty) }, features });
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

            // Which questions to leave out of training, for every dataset: train.py told them by LoCoMo's category 5 and
            // so dropped every question of the datasets whose categories are names.
            adversarial = question.IsAdversarial,
            gold = question.EvidenceTurnIds.Select(Same).Distinct(StringComparer.Ordinal).ToList(),
            candidates,
        });
        await writer.WriteLineAsync(line.AsMemory(), cancellationToken).ConfigureAwait(false);
        Questions++;
    }
}
