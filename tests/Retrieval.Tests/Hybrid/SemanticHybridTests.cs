using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.Retrieval.Embeddings.Onnx;
using AgentMem.Retrieval.Hybrid;
using AgentMem.Retrieval.State;
using AgentMem.Retrieval.Tests.State;

namespace AgentMem.Retrieval.Tests.Hybrid;

/// <summary>Paraphrases that share no content word with the memory they ask about: found by meaning, not by words.</summary>
public sealed class SemanticHybridTests : TempStore
{
    private static readonly Scope Me = new("acme", "ann");

    // Written for this test: each question shares no content word (nor stem) with its memory.
    private static readonly (string Memory, string Question)[] Pairs =
    [
        ("My dog Rex passed away last spring.", "When did the pet die?"),
        ("I started learning to play the violin in January.", "Which musical instrument is she taking lessons on?"),
        ("We moved to Seattle after my husband got a new job.", "Why did the family relocate to another city?"),
        ("Melanie ran a marathon to raise money for cancer research.", "Did anyone do a long-distance race for charity?"),
    ];

    private static readonly string[] Distractors =
    [
        "The pasta recipe needs fresh basil and garlic.",
        "Our flight to Tokyo was delayed by three hours.",
        "I painted the kitchen walls bright yellow.",
        "The library closes at eight on weekdays.",
        "John fixed the leaking roof over the weekend.",
        "She bought a new laptop for her design work.",
        "The garden tomatoes finally turned red.",
        "We watched a documentary about whales.",
    ];

    [Fact]
    public async Task The_semantic_hybrid_ranks_each_paraphrase_first_where_the_lexical_hybrid_does_not()
    {
        using var arctic = OnnxSentenceEmbedder.LoadPackaged("arctic");
        using var semanticState = new RetrievalState(Store, arctic);
        var semantic = new HybridRetriever(semanticState, Semantic());
        var lexical = new HybridRetriever(Store, new HybridOptions { Name = "lexical", VectorWeight = 0 });
        await using var os = new MemoryOS(Store, [semantic, lexical]);
        await os.CreateCubeAsync(Me, "life");
        var ids = (await os.AddBatchAsync(Me, "life", Pairs.Select(p => new MemoryDraft(p.Memory)).Concat(Distractors.Select(d => new MemoryDraft(d))).ToList())).Select(o => o.Id).ToList();

        for (int i = 0; i < Pairs.Length; i++)
        {
            var bySense = await os.SearchAsync(Me, "life", Pairs[i].Question, 3, retrieverName: "semantic");
            var byWords = await os.SearchAsync(Me, "life", Pairs[i].Question, 3, retrieverName: "lexical");
            Assert.Equal(ids[i], bySense[0].Item.Id);
            Assert.True(byWords.Count == 0 || byWords[0].Item.Id != ids[i], $"the lexical hybrid found '{Pairs[i].Memory}' by its words");
        }
    }

    [Fact]
    public async Task The_packaged_reranker_keeps_each_paraphrase_first()
    {
        using var arctic = OnnxSentenceEmbedder.LoadPackaged("arctic");
        using var state = new RetrievalState(Store, arctic);
        var options = Semantic(AgentMem.Retrieval.Hybrid.Reranking.RerankModel.ArcticLocomo);
        options.RerankMinimumMemories = 1; // twelve memories: below the default, so the model would not run
        var reranked = new HybridRetriever(state, options);
        await using var os = new MemoryOS(Store, [reranked]);
        await os.CreateCubeAsync(Me, "life");
        var ids = (await os.AddBatchAsync(Me, "life", Pairs.Select(p => new MemoryDraft(p.Memory)).Concat(Distractors.Select(d => new MemoryDraft(d))).ToList())).Select(o => o.Id).ToList();

        for (int i = 0; i < Pairs.Length; i++)
        {
            var hits = await os.SearchAsync(Me, "life", Pairs[i].Question, 3);
            Assert.Equal(ids[i], hits[0].Item.Id);
            Assert.True(hits[0].Components.ContainsKey("rerank"));
        }
    }

    private static HybridOptions Semantic(AgentMem.Retrieval.Hybrid.Reranking.RerankModel? reranker = null)
    {
        var options = HybridOptions.ForSentenceEmbedder(reranker);
        options.Name = "semantic";
        return options;
    }
}
