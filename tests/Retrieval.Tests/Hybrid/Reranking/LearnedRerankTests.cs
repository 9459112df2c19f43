using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.Retrieval.Hybrid;
using AgentMem.Retrieval.Hybrid.Reranking;
using AgentMem.Retrieval.Tests.State;
using Microsoft.Extensions.AI;

namespace AgentMem.Retrieval.Tests.Hybrid.Reranking;

public sealed class LearnedRerankTests : TempStore
{
    private static readonly Scope Me = new("acme", "ann");

    private static readonly (string Speaker, string Text)[] Turns =
    [
        ("Caroline", "The garden tomatoes finally turned red."),
        ("Melanie", "My garden needs water every day in summer."),
        ("Caroline", "I planted basil beside the garden tomatoes."),
        ("Melanie", "We visited a public garden downtown."),
        ("Caroline", "Garden work relaxes me after a long week."),
        ("Melanie", "The pottery class starts on Monday."),
    ];

    private async Task<MemoryOS> SeedAsync(params HybridRetriever[] retrievers)
    {
        var os = new MemoryOS(Store, retrievers);
        await os.CreateCubeAsync(Me, "chat");
        await os.AddBatchAsync(Me, "chat", Turns.Select(t => new MemoryDraft(t.Text) { Actor = t.Speaker, Session = "s1" }).ToList());
        return os;
    }

    [Fact]
    public async Task A_model_orders_the_candidates_by_its_own_score()
    {
        // A model that ranks by the opposite of the fused score must return the fused order reversed.
        var reverse = RerankModel.Load(new MemoryStream("""{"name":"reverse","features":["hybrid"],"mean":[0],"scale":[1],"linear":[-1]}"""u8.ToArray()), "reverse");
        await using var os = await SeedAsync(
            new HybridRetriever(Store, new HybridOptions { Name = "plain" }),
            new HybridRetriever(Store, new HybridOptions { Name = "reranked", Reranker = reverse, RerankMinimumMemories = 1 }));

        var plain = await os.SearchAsync(Me, "chat", "garden tomatoes", 10, retrieverName: "plain");
        var reranked = await os.SearchAsync(Me, "chat", "garden tomatoes", 10, retrieverName: "reranked");

        Assert.True(plain.Count >= 4);
        Assert.Equal(plain.Select(h => h.Item.Id).Reverse(), reranked.Select(h => h.Item.Id));
        foreach (var hit in reranked)
        {
            var before = plain.Single(p => p.Item.Id == hit.Item.Id);
            Assert.Equal(before.Score, hit.Components[RerankFeatureNames.Hybrid], 5);
            Assert.Equal(-hit.Components[RerankFeatureNames.Hybrid], hit.Components["rerank"], 5);
            Assert.InRange(hit.Score, double.Epsilon, 1);
        }
    }

    [Theory]
    [InlineData("""{"features":["hybrid"],"mean":[0],"scale":[1e-38],"linear":[1e30]}""")] // +Infinity for every candidate
    [InlineData("""{"features":["hybrid"],"mean":[0],"scale":[1e-38],"linear":[-1e30]}""")] // -Infinity
    [InlineData("""{"features":["hybrid","item"],"mean":[0,0],"scale":[1e-38,1e-38],"linear":[1e30,-1e30]}""")] // Infinity minus Infinity: NaN
    public async Task A_model_whose_score_is_not_finite_leaves_the_fused_order_and_scores(string json)
    {
        // Finite weights over a tiny scale overflow float: e^(s − best) with s = best = +Infinity is NaN, so every hit scored
        // NaN, came back in no meaningful order, and NaN reached the explanation.
        var overflowing = RerankModel.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)), "overflowing");
        await using var os = await SeedAsync(
            new HybridRetriever(Store, new HybridOptions { Name = "plain" }),
            new HybridRetriever(Store, new HybridOptions { Name = "reranked", Reranker = overflowing, RerankMinimumMemories = 1 }));

        var plain = await os.SearchAsync(Me, "chat", "garden tomatoes", 10, retrieverName: "plain");
        var reranked = await os.SearchAsync(Me, "chat", "garden tomatoes", 10, retrieverName: "reranked");

        Assert.True(plain.Count >= 4);
        Assert.Equal(plain.Select(h => h.Item.Id), reranked.Select(h => h.Item.Id));
        Assert.Equal(plain.Select(h => h.Score), reranked.Select(h => h.Score));
        Assert.All(reranked, h => Assert.All(h.Components.Values, v => Assert.True(double.IsFinite(v), $"{h.Item.Text}: {v}")));
    }

    [Fact]
    public async Task Reported_features_describe_each_candidate()
    {
        await using var os = await SeedAsync(new HybridRetriever(Store, new HybridOptions { ReportRerankFeatures = true }));

        var hits = await os.SearchAsync(Me, "chat", "What did Caroline plant beside the tomatoes?", 10);

        Assert.NotEmpty(hits);
        Assert.All(hits, h => Assert.Equal(RerankFeatureNames.Names.Count, h.Components.Keys.Count(k => k.StartsWith("rerank.", StringComparison.Ordinal))));
        var basil = hits.Single(h => h.Item.Text.Contains("basil", StringComparison.Ordinal));
        Assert.Equal(1, basil.Components["rerank.actor"]);
        Assert.Equal(1, basil.Components["rerank.named_actors"]);
        Assert.Equal(1, basil.Components["rerank.coverage"], 5); // caroline, plant, tomato: all in "Caroline I planted basil beside the garden tomatoes"
        Assert.Equal(0, basil.Components["rerank.item_rank"]); // log(1 + 0): the best BM25 match
        Assert.Equal(basil.Score, basil.Components["rerank.hybrid"], 5); // no model: the fused order stands
        Assert.All(hits.Where(h => h.Item.Provenance.Actor == "Melanie"), h => Assert.Equal(0, h.Components["rerank.actor"]));
    }

    [Fact]
    public async Task The_actor_feature_marks_the_named_actors_memories_with_the_actor_boost_off()
    {
        // The feature was read from the actor boost's component, which exists only while ActorWeight > 0: with the boost
        // off, named_actors said the query names Caroline and actor said none of her memories was hers.
        var options = HybridOptions.ForSentenceEmbedder();
        options.ActorWeight = 0;
        options.ReportRerankFeatures = true;
        options.RerankMinimumMemories = 0;
        await using var os = await SeedAsync(new HybridRetriever(Store, options));

        var hits = await os.SearchAsync(Me, "chat", "What did Caroline plant beside the tomatoes?", 10);

        var hers = hits.Where(h => h.Item.Provenance.Actor == "Caroline").ToList();
        Assert.Equal(3, hers.Count);
        Assert.All(hers, h => Assert.Equal(1, h.Components["rerank.actor"]));
        Assert.All(hers, h => Assert.Equal(1, h.Components["rerank.named_actors"]));
        Assert.All(hits.Where(h => h.Item.Provenance.Actor == "Melanie"), h => Assert.Equal(0, h.Components["rerank.actor"]));
        Assert.All(hits, h => Assert.False(h.Components.ContainsKey("actor"))); // no boost, so no boost component
    }

    [Fact]
    public async Task A_cube_below_the_minimum_keeps_the_fused_order()
    {
        var reverse = RerankModel.Load(new MemoryStream("""{"features":["hybrid"],"mean":[0],"scale":[1],"linear":[-1]}"""u8.ToArray()), "reverse");
        await using var os = await SeedAsync(
            new HybridRetriever(Store, new HybridOptions { Name = "plain" }),
            new HybridRetriever(Store, new HybridOptions { Name = "reranked", Reranker = reverse, RerankMinimumMemories = Turns.Length + 1 }));

        var plain = await os.SearchAsync(Me, "chat", "garden tomatoes", 10, retrieverName: "plain");
        var reranked = await os.SearchAsync(Me, "chat", "garden tomatoes", 10, retrieverName: "reranked");

        Assert.Equal(plain.Select(h => h.Item.Id), reranked.Select(h => h.Item.Id));
        Assert.All(reranked, h => Assert.False(h.Components.ContainsKey("rerank")));
    }

    [Theory]
    [InlineData(2f, false)] // the turns (4–6 content terms each) are longer than the limit: the fused order stands
    [InlineData(0f, true)] // no limit
    [InlineData(35f, true)] // the default reads them as chat turns
    public async Task A_cube_of_longer_memories_than_the_limit_keeps_the_fused_order(float limit, bool reranked)
    {
        var reverse = RerankModel.Load(new MemoryStream("""{"features":["hybrid"],"mean":[0],"scale":[1],"linear":[-1]}"""u8.ToArray()), "reverse");
        await using var os = await SeedAsync(
            new HybridRetriever(Store, new HybridOptions { Name = "plain" }),
            new HybridRetriever(Store, new HybridOptions { Name = "reranked", Reranker = reverse, RerankMinimumMemories = 1, RerankMaximumMeanLength = limit }));

        var plain = await os.SearchAsync(Me, "chat", "garden tomatoes", 10, retrieverName: "plain");
        var hits = await os.SearchAsync(Me, "chat", "garden tomatoes", 10, retrieverName: "reranked");

        Assert.True(plain.Count >= 4);
        var expected = reranked ? plain.Select(h => h.Item.Id).Reverse() : plain.Select(h => h.Item.Id);
        Assert.Equal(expected, hits.Select(h => h.Item.Id));
        Assert.All(hits, h => Assert.Equal(reranked, h.Components.ContainsKey("rerank")));
    }

    [Fact]
    public void A_negative_or_unbounded_length_limit_is_refused()
    {
        Assert.ThrowsAny<ArgumentException>(() => new HybridOptions { RerankMaximumMeanLength = -1 }.Validate());
        Assert.ThrowsAny<ArgumentException>(() => new HybridOptions { RerankMaximumMeanLength = float.NaN }.Validate());
    }

    [Theory]
    [InlineData("What did Caroline plant beside the tomatoes?", 35f, new[] { "What did Caroline plant beside the tomatoes?", "What did plant beside the tomatoes?" })]
    [InlineData("What was planted beside the tomatoes?", 35f, new[] { "What was planted beside the tomatoes?" })] // no name: the topic is the question
    [InlineData("What did Caroline plant beside the tomatoes?", 2f, new[] { "What did Caroline plant beside the tomatoes?" })] // not reranked: no topic
    public async Task The_question_and_its_topic_are_embedded_in_one_call(string query, float lengthLimit, string[] expected)
    {
        var embedder = new RecordingEmbedder();
        var reverse = RerankModel.Load(new MemoryStream("""{"features":["hybrid"],"mean":[0],"scale":[1],"linear":[-1]}"""u8.ToArray()), "reverse");
        await using var os = await SeedAsync(new HybridRetriever(
            Store,
            new HybridOptions { VectorWeight = 0.5f, Reranker = reverse, RerankMinimumMemories = 1, RerankMaximumMeanLength = lengthLimit },
            embedder));

        await os.SearchAsync(Me, "chat", query, 5);

        Assert.Equal([expected], embedder.QueryCalls);
    }

    /// <summary>Vectors from the text's hash; records the inputs of every call made for queries.</summary>
    private sealed class RecordingEmbedder : IEmbeddingGenerator<string, Embedding<float>>
    {
        private readonly EmbeddingGeneratorMetadata metadata = new("test-recording", null, "recording-v1", 8);

        public List<string[]> QueryCalls { get; } = [];

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            var texts = values.ToArray();
            if (options?.AdditionalProperties?.TryGetValue(AgentMem.Retrieval.Embeddings.Onnx.OnnxSentenceEmbedder.InputTypeKey, out var type) == true && Equals(type, AgentMem.Retrieval.Embeddings.Onnx.OnnxSentenceEmbedder.QueryInputType))
            {
                lock (QueryCalls)
                {
                    QueryCalls.Add(texts);
                }
            }

            return Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(texts.Select(t =>
            {
                var random = new Random(StringComparer.Ordinal.GetHashCode(t));
                return new Embedding<float>(Enumerable.Range(0, 8).Select(_ => (float)random.NextDouble() - 0.5f).ToArray());
            })));
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(metadata) ? metadata : null;

        public void Dispose()
        {
        }
    }

    [Fact]
    public void Ranks_break_ties_by_slot()
    {
        float[] scores = [0.5f, 0.9f, 0.5f, 0f, 0.9f];
        var ranks = RerankFeatures.Ranks(scores, [0, 1, 2, 3, 4], scores.Length);
        Assert.Equal([2, 0, 3, 4, 1], ranks);
    }
}
