using System.Numerics.Tensors;
using AgentMem.MemoryCore.Model;
using AgentMem.Retrieval.Embeddings;
using AgentMem.Retrieval.Lexical;
using AgentMem.Retrieval.Spann;
using AgentMem.Retrieval.Vectors;
using Microsoft.Extensions.AI;

namespace AgentMem.Retrieval.Hybrid;

/// <summary>
/// Everything the hybrid retriever needs about one cube at one moment: its memories in creation
/// order, three BM25 indexes (memory, memory with neighbours, session) and the embedding matrix.
/// Immutable once built; a write to the cube makes the retriever build a new one.
/// </summary>
internal sealed class CubeSnapshot
{
    private CubeSnapshot(MemoryItem[] items, Bm25Index item, Bm25Index window, Bm25Index session, int[] sessionOf, float[] embeddings, int dimension, Func<string, CancellationToken, Task<float[]>> embedQuery)
    {
        Items = items;
        ItemIndex = item;
        WindowIndex = window;
        SessionIndex = session;
        SessionOf = sessionOf;
        Embeddings = embeddings;
        Dimension = dimension;
        EmbedQuery = embedQuery;
        var actors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var memory in items)
        {
            if (memory.Provenance.Actor is { } name && !actors.ContainsKey(name))
            {
                actors[name] = [.. TextAnalyzer.Words(name)];
            }
        }

        Actors = actors;
    }

    public MemoryItem[] Items { get; }

    public Bm25Index ItemIndex { get; }

    public Bm25Index WindowIndex { get; }

    public Bm25Index SessionIndex { get; }

    /// <summary>For each memory, the index of its session document, or −1 when it has no session.</summary>
    public int[] SessionOf { get; }

    /// <summary>Row-major, one L2-normalised row of <see cref="Dimension"/> per memory (empty when vectors are off).</summary>
    public float[] Embeddings { get; }

    public int Dimension { get; }

    public Func<string, CancellationToken, Task<float[]>> EmbedQuery { get; }

    /// <summary>Distinct actors of the cube with the lower-case words of their names.</summary>
    public IReadOnlyDictionary<string, string[]> Actors { get; }

    /// <summary>BM25 over each memory's tags (tags are matched whole, not stemmed).</summary>
    public Bm25Index TagIndex { get; private init; } = new([]);

    /// <summary>Whether each memory's text mentions a time (for time-aware ranking).</summary>
    public bool[] MentionsTime { get; private init; } = [];

    /// <summary>Position of each memory in <see cref="Items"/>, for following links.</summary>
    public IReadOnlyDictionary<MemoryCore.Identity.MemoryId, int> Positions => positions ??= Items.Select((m, i) => (m.Id, i)).ToDictionary(p => p.Id, p => p.i);

    private Dictionary<MemoryCore.Identity.MemoryId, int>? positions;

    public ReadOnlySpan<float> Row(int i) => Embeddings.AsSpan(i * Dimension, Dimension);

    /// <summary>
    /// A SPANN index over the embeddings (keys are row numbers), built on first use. Its folder is
    /// deleted right after the build: the open file handle keeps the postings readable, and the space
    /// is freed once the snapshot is collected (on systems that refuse to delete open files the
    /// temporary folder stays).
    /// </summary>
    public SpannIndex AnnIndex() => LazyInitializer.EnsureInitialized(ref ann, ref annLock, () =>
    {
        string folder = Path.Combine(Path.GetTempPath(), "agentmem-ann-" + Guid.NewGuid().ToString("N"));
        var index = SpannIndex.Build(folder, VectorMetric.InnerProduct, new VectorRows<float>(Dimension, Items.Length, Embeddings), options: new SpannOptions { VerifyPostingsOnOpen = false });
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return index;
    });

    private SpannIndex? ann;
    private object? annLock;

    public static async Task<CubeSnapshot> BuildAsync(IReadOnlyList<MemoryItem> ordered, int windowRadius, bool vectors, IEmbeddingGenerator<string, Embedding<float>>? embedder, EmbeddingCache cache, CancellationToken cancellationToken)
    {
        var items = ordered.ToArray();
        var own = new List<string>[items.Length];
        for (int i = 0; i < items.Length; i++)
        {
            own[i] = TextAnalyzer.Terms(Describe(items[i]));
        }

        // Neighbours are the adjacent memories of the same session, in creation order.
        var sessionIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var sessionMembers = new List<List<int>>();
        var sessionOf = new int[items.Length];
        for (int i = 0; i < items.Length; i++)
        {
            string? session = items[i].Scope.Session;

            // A deleted memory is a tombstone: findable on request, but it lends no context to others.
            if (session is null || items[i].State == LifecycleState.Deleted)
            {
                sessionOf[i] = -1;
                continue;
            }

            if (!sessionIds.TryGetValue(session, out int s))
            {
                s = sessionIds.Count;
                sessionIds[session] = s;
                sessionMembers.Add([]);
            }

            sessionOf[i] = s;
            sessionMembers[s].Add(i);
        }

        var window = new IReadOnlyList<string>[items.Length];
        for (int i = 0; i < items.Length; i++)
        {
            window[i] = own[i];
        }

        foreach (var members in sessionMembers)
        {
            for (int p = 0; p < members.Count; p++)
            {
                var doc = new List<string>(own[members[p]]);
                for (int o = 1; o <= windowRadius; o++)
                {
                    if (p - o >= 0)
                    {
                        doc.AddRange(own[members[p - o]]);
                    }

                    if (p + o < members.Count)
                    {
                        doc.AddRange(own[members[p + o]]);
                    }
                }

                window[members[p]] = doc;
            }
        }

        var sessionDocs = sessionMembers.Select(m => (IReadOnlyList<string>)m.SelectMany(i => own[i]).ToList()).ToList();

        float[] embeddings = [];
        int dimension = 0;
        Func<string, CancellationToken, Task<float[]>> embedQuery = (_, _) => Task.FromResult(Array.Empty<float>());
        if (vectors && items.Length > 0)
        {
            if (embedder is null)
            {
                // The default embedder's bucket weights are fitted on this cube, so they are the cube's IDF.
                var hashing = new HashingEmbedder().Fit(items.Select(Describe));
                dimension = hashing.Dimension;
                embeddings = new float[items.Length * dimension];
                for (int i = 0; i < items.Length; i++)
                {
                    hashing.Embed(Describe(items[i]), embeddings.AsSpan(i * dimension, dimension));
                }

                embedQuery = (q, _) => Task.FromResult(hashing.Embed(q));
            }
            else
            {
                var rows = await cache.GetOrAddAsync(embedder, items.Select(Describe).ToList(), cancellationToken).ConfigureAwait(false);
                dimension = rows[0].Length;
                embeddings = new float[items.Length * dimension];
                for (int i = 0; i < items.Length; i++)
                {
                    Normalized(rows[i]).CopyTo(embeddings.AsSpan(i * dimension, dimension));
                }

                embedQuery = async (q, ct) => Normalized((await embedder.GenerateAsync([q], null, ct).ConfigureAwait(false))[0].Vector.ToArray());
            }
        }

        var tagDocs = items.Select(m => (IReadOnlyList<string>)m.Tags.Select(t => t.ToLowerInvariant()).ToList()).ToList();
        return new CubeSnapshot(items, new Bm25Index(own), new Bm25Index(window), new Bm25Index(sessionDocs), sessionOf, embeddings, dimension, embedQuery)
        {
            TagIndex = new Bm25Index(tagDocs),
            MentionsTime = items.Select(m => MemoryCore.Time.TemporalCues.MentionsTime(m.Text)).ToArray(),
        };
    }

    /// <summary>The text a memory is indexed by: speaker, text, tags, keywords and context.</summary>
    public static string Describe(MemoryItem item) =>
        string.Join(' ', new[] { item.Provenance.Actor, item.Text, string.Join(' ', item.Tags), string.Join(' ', item.Keywords), item.Context }.Where(s => !string.IsNullOrEmpty(s)));

    private static float[] Normalized(float[] v)
    {
        float norm = TensorPrimitives.Norm(v);
        if (norm > 0)
        {
            TensorPrimitives.Divide(v, norm, v);
        }

        return v;
    }
}
