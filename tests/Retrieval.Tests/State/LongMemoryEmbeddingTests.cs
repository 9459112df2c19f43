using System.Text;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.Retrieval.Hybrid;
using AgentMem.Retrieval.OpenAICompatible;
using AgentMem.Retrieval.State;

namespace AgentMem.Retrieval.Tests.State;

/// <summary>
/// A memory far longer than an embedding model reads (the content limit is 4 MiB; text-embedding-3 reads 8,192 tokens)
/// keeps its cube searchable over an OpenAI-compatible endpoint with the default settings.
/// </summary>
public sealed class LongMemoryEmbeddingTests : TempStore
{
    private static readonly Scope Me = new("acme", "alice");

    // A byte-level tokenizer makes at most one token per UTF-8 byte: the most an 8,192-token model can be sent.
    private const int EndpointTokenLimit = 8192;

    [Fact]
    public async Task A_memory_longer_than_the_endpoints_input_limit_is_embedded_and_the_cube_stays_searchable()
    {
        // Like OpenAI, the endpoint refuses (400) any input over the model's window instead of cutting it.
        await using var server = new ScriptedHttpServer((_, r) => Task.FromResult(
            r.Inputs.Any(i => Encoding.UTF8.GetByteCount(i) > EndpointTokenLimit)
                ? new ScriptedResponse(400, """{"error":{"message":"This model's maximum context length is 8192 tokens."}}""")
                : ScriptedHttpServer.Embeddings(r)));
        using var embedder = OpenAICompatibleClients.CreateEmbeddingGenerator(new OpenAICompatibleOptions
        {
            BaseUrl = server.BaseUrl,
            Model = "text-embedding-3-small",
            FirstRetryDelay = TimeSpan.FromMilliseconds(5),
        });
        using var state = new RetrievalState(Store, embedder);
        await using var os = new MemoryOS(Store, new HybridRetriever(state));
        await os.CreateCubeAsync(Me, "chat");

        // About 40 KB of English, and Japanese whose characters take three UTF-8 bytes each.
        string english = string.Concat(Enumerable.Range(0, 1200).Select(i => $"Day {i}: Ann walked around Tokyo. "));
        string japanese = string.Concat(Enumerable.Repeat("東京の桜は四月に咲きます。", 400));
        Assert.InRange(english.Length, 40_000, 50_000);
        Assert.True(Encoding.UTF8.GetByteCount(japanese) > EndpointTokenLimit);
        await os.AddBatchAsync(Me, "chat",
        [
            new MemoryDraft(english),
            new MemoryDraft(japanese),
            new MemoryDraft("Ben fixed the kitchen sink."),
        ]);

        var hits = await os.SearchAsync(Me, "chat", "Ann walked around Tokyo", 3);
        Assert.Equal(english, hits[0].Item.Text);
        Assert.All(server.Requests, r => Assert.All(r.Inputs, i => Assert.True(Encoding.UTF8.GetByteCount(i) <= EndpointTokenLimit, $"{i.Length} characters sent")));

        // Every memory got its vector, so the next search embeds only its query.
        int calls = server.Calls;
        Assert.NotEmpty(await os.SearchAsync(Me, "chat", "kitchen sink", 3));
        Assert.Equal(calls + 1, server.Calls);
    }
}
