using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.Retrieval.Hybrid;
using AgentMem.Retrieval.Hybrid.Signals;
using AgentMem.Retrieval.Tests.State;
using Microsoft.Extensions.AI;

namespace AgentMem.Retrieval.Tests.Hybrid;

/// <summary>The vector signal of a sentence model is scaled over its top range, not by its best score alone.</summary>
public sealed class VectorRangeTests : TempStore
{
    private static readonly Scope Me = new("acme", "ann");

    [Fact]
    public void Top_similarities_keep_the_best_and_the_depth_th_best_like_a_sort()
    {
        var random = new Random(7);
        foreach (int n in new[] { 0, 1, 5, 99, 100, 1000 })
        {
            var values = Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2) - 0.5f).ToArray();
            foreach (int depth in new[] { 1, 3, 100 })
            {
                var top = new TopSimilarities(depth);
                foreach (float v in values)
                {
                    top.Offer(v);
                }

                var positive = values.Where(v => v > 0).OrderByDescending(v => v).ToList();
                Assert.Equal(positive.Count > 0 ? positive[0] : 0, top.Best);
                Assert.Equal(positive.Count > 0 ? positive[Math.Min(depth, positive.Count) - 1] : 0, top.Lowest);
            }
        }

        var none = new TopSimilarities(0);
        none.Offer(0.5f);
        Assert.Equal(0, none.Best);
    }

    [Fact]
    public async Task Crowded_cosines_are_spread_from_the_depth_th_best_to_the_best()
    {
        // Cosines 0.90 ... 1.00 with the query, as a sentence model gives related and unrelated texts alike; no memory
        // shares a word with the query and each has a session of its own, so the fused score is the vector's part alone.
        var cosines = new[] { 1.00f, 0.95f, 0.92f, 0.90f, 0.90f };
        var embedder = new BandEmbedder(cosines);
        using var state = new AgentMem.Retrieval.State.RetrievalState(Store, embedder);
        var semantic = ForSentences();
        await using var os = new MemoryOS(Store, [new HybridRetriever(state, semantic), new HybridRetriever(state, new HybridOptions { Name = "as-is" })]);
        await os.CreateCubeAsync(Me, "c");
        var ids = (await os.AddBatchAsync(Me, "c", cosines.Select((_, i) => new MemoryDraft(BandEmbedder.Text(i)) { Session = $"s{i}" }).ToList())).Select(o => o.Id).ToList();

        var hits = await os.SearchAsync(Me, "c", BandEmbedder.Query, 10, retrieverName: "semantic");
        // Range [0.90, 1.00] (fewer memories than the depth: the lowest is the floor): the best gets the whole weight,
        // the ones at the floor nothing (and are not returned).
        Assert.Equal(ids.Take(3), hits.Select(h => h.Item.Id));
        Assert.Equal(0.5, hits[0].Score, 4);
        Assert.Equal(0.5 * (0.95 - 0.90) / (1.00 - 0.90), hits[1].Score, 3);
        Assert.Equal(0.5 * (0.92 - 0.90) / (1.00 - 0.90), hits[2].Score, 3);
        Assert.Equal(1.00, hits[0].Components["vector"], 3); // explanations keep the raw cosine

        // Taken as they are (the hashing default), the same cosines all score within 10 % of each other.
        var byBest = await os.SearchAsync(Me, "c", BandEmbedder.Query, 10, retrieverName: "as-is");
        Assert.Equal(5, byBest.Count);
        Assert.Equal(0.2, byBest[0].Score, 4); // weight × cosine
        Assert.True(byBest[^1].Score / byBest[0].Score > 0.89);
    }

    [Fact]
    public async Task The_range_is_taken_over_the_memories_the_filter_lets_through()
    {
        // Session s3 holds one memory at 0.90, the floor of the whole cube: scaled over the cube's range it scored 0 and
        // the search found nothing, though the filter lets exactly that memory through.
        var (os, ids) = await BandCubeAsync();
        await using var _ = os;

        var hits = await os.SearchAsync(Me, "c", BandEmbedder.Query, 10, new MemoryFilter { Session = "s3" }, "semantic");

        Assert.Equal([ids[3]], hits.Select(h => h.Item.Id));
    }

    [Fact]
    public async Task Deleted_memories_do_not_set_the_range()
    {
        // The index keeps deleted memories (a filter may ask for them); left in the range, the three best of them made
        // the two live ones the floor, and a search without a filter found nothing.
        var (os, ids) = await BandCubeAsync();
        await using var _ = os;
        foreach (var id in ids.Take(3))
        {
            await os.DeleteAsync(Me, id);
        }

        var hits = await os.SearchAsync(Me, "c", BandEmbedder.Query, 10, retrieverName: "semantic");

        Assert.Equal(ids.Skip(3), hits.Select(h => h.Item.Id));
    }

    [Fact]
    public async Task Bm25_is_scaled_by_the_best_score_among_the_memories_the_filter_lets_through()
    {
        // B and C in s1 (C about a third of B by words, 0.3 by meaning, B 0); D in s2 matches five times better than B.
        // Scaled by D's score, which the filter can never return, B's lead by words shrank below C's by meaning.
        var (os, ids) = await LexicalCubeAsync(new HybridOptions { Name = "words", ItemWeight = 1, WindowWeight = 0, SessionWeight = 0, ActorWeight = 0, VectorWeight = 1 });
        await using var _ = os;

        var hits = await os.SearchAsync(Me, "c", LexicalQuery, 10, new MemoryFilter { Session = "s1" }, "words");

        Assert.Equal([ids[0], ids[1]], hits.Select(h => h.Item.Id));
        Assert.True(hits[1].Components["bm25_item"] < 0.7 * hits[0].Components["bm25_item"]); // the case: C's words and meaning < B's words
    }

    [Theory]
    [InlineData("bm25_item")]
    [InlineData("bm25_window")]
    [InlineData("bm25_session")]
    public async Task Each_bm25_signal_gives_the_best_memory_the_filter_lets_through_its_whole_weight(string signal)
    {
        var options = new HybridOptions { Name = "words", ItemWeight = 0, WindowWeight = 0, SessionWeight = 0, ActorWeight = 0, VectorWeight = 0, NeighbourReferenceLength = 0 };
        switch (signal)
        {
            case "bm25_item": options.ItemWeight = 1; break;
            case "bm25_window": options.WindowWeight = 1; break;
            default: options.SessionWeight = 1; break;
        }

        var (os, ids) = await LexicalCubeAsync(options);
        await using var _ = os;

        var inS1 = await os.SearchAsync(Me, "c", LexicalQuery, 10, new MemoryFilter { Session = "s1" }, "words");
        Assert.Equal(1.0, inS1[0].Score, 4);

        // Deleted memories do not set the scale either: D, deleted, outscored everything left.
        await os.DeleteAsync(Me, ids[2]);
        var live = await os.SearchAsync(Me, "c", LexicalQuery, 10, retrieverName: "words");
        Assert.Equal(1.0, live[0].Score, 4);
    }

    private const string LexicalQuery = "violin cello harp flute drum oboe";

    /// <summary>B ("violin cello cello") and C ("violin") in session s1, D (every query word) in s2; cosines 0, 0.3, 0.</summary>
    private async Task<(MemoryOS Os, List<AgentMem.MemoryCore.Identity.MemoryId> Ids)> LexicalCubeAsync(HybridOptions options)
    {
        var state = new AgentMem.Retrieval.State.RetrievalState(Store, new BandEmbedder([0f, 0.3f, 0f]));
        var os = new MemoryOS(Store, [new HybridRetriever(state, options, ownsState: true)]);
        await os.CreateCubeAsync(Me, "c");
        var drafts = new[]
        {
            new MemoryDraft("violin cello cello " + BandEmbedder.Text(0)) { Session = "s1" },
            new MemoryDraft("violin " + BandEmbedder.Text(1)) { Session = "s1" },
            new MemoryDraft("violin cello harp flute drum oboe harp flute drum oboe " + BandEmbedder.Text(2)) { Session = "s2" },
        };
        var ids = (await os.AddBatchAsync(Me, "c", drafts)).Select(o => o.Id).ToList();
        return (os, ids);
    }

    [Fact]
    public void The_sentence_preset_is_valid_and_a_negative_depth_is_refused()
    {
        var preset = HybridOptions.ForSentenceEmbedder();
        preset.Validate();
        Assert.Equal(100, preset.VectorRangeDepth);
        Assert.Equal(0, new HybridOptions().VectorRangeDepth);
        Assert.Throws<ArgumentOutOfRangeException>(() => new HybridOptions { VectorRangeDepth = -1 }.Validate());
    }

    /// <summary>A cube of the five band memories (cosines 1.00 ... 0.90, sessions s0 ... s4) behind the "semantic" retriever.</summary>
    private async Task<(MemoryOS Os, List<AgentMem.MemoryCore.Identity.MemoryId> Ids)> BandCubeAsync()
    {
        var cosines = new[] { 1.00f, 0.95f, 0.92f, 0.90f, 0.90f };
        var state = new AgentMem.Retrieval.State.RetrievalState(Store, new BandEmbedder(cosines));
        var os = new MemoryOS(Store, [new HybridRetriever(state, ForSentences(), ownsState: true)]);
        await os.CreateCubeAsync(Me, "c");
        var ids = (await os.AddBatchAsync(Me, "c", cosines.Select((_, i) => new MemoryDraft(BandEmbedder.Text(i)) { Session = $"s{i}" }).ToList())).Select(o => o.Id).ToList();
        return (os, ids);
    }

    private static HybridOptions ForSentences()
    {
        var options = HybridOptions.ForSentenceEmbedder();
        options.Name = "semantic";
        return options;
    }

    /// <summary>Unit vectors with a chosen cosine to the query: memory i is cos·q + sin·e_(i+1), all orthogonal otherwise.</summary>
    private sealed class BandEmbedder(float[] cosines) : IEmbeddingGenerator<string, Embedding<float>>
    {
        public const string Query = "zzquery";
        private readonly EmbeddingGeneratorMetadata metadata = new("test-band", null, "band-v1", 16);

        public static string Text(int i) => $"memory{(char)('a' + i)}";

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(values.Select(v => new Embedding<float>(Vector(v)))));

        private float[] Vector(string text)
        {
            var v = new float[16];
            int i = -1;
            for (int j = 0; j < cosines.Length; j++)
            {
                if (text.EndsWith(Text(j), StringComparison.Ordinal))
                {
                    i = j;
                }
            }

            if (i < 0)
            {
                v[0] = 1; // the query (or anything else)
                return v;
            }

            v[0] = cosines[i];
            v[i + 1] = MathF.Sqrt(1 - (cosines[i] * cosines[i]));
            return v;
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(metadata) ? metadata : null;

        public void Dispose()
        {
        }
    }
}
