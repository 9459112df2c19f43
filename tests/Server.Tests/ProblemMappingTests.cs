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
}
