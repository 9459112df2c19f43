using AgentMem.MemoryCore.Errors;
using AgentMem.Server.Hosting;

namespace AgentMem.Server.Tests;

/// <summary>Typed errors the campaign (bench/Campaign) provokes map to clean statuses, not a 500.</summary>
public sealed class ProblemMappingTests
{
    [Fact]
    public void A_full_disk_is_507_insufficient_storage()
    {
        Assert.Equal((507, "Insufficient storage"), ProblemMapping.Map(new StorageFullException("The disk is full.")));
    }

    [Fact]
    public void Text_an_embedder_refuses_is_400_invalid_request()
    {
        // An OpenAI-compatible embedder refused a blank query with a type the mapping did not know: a 500.
        Assert.Equal((400, "Invalid request"), ProblemMapping.Map(new AgentMem.Retrieval.Embeddings.EmbeddingInputException("Input 0 is empty or whitespace; there is nothing to embed.")));
    }
}
