using AgentMem.MemoryCore.Model;

namespace AgentMem.MemoryCore.Tests;

public sealed class PayloadRefTests
{
    private static PayloadRef At(string uri) => new(uri, "application/x-agentmem-kv", 1, new string('a', 64));

    [Fact]
    public void A_payload_lies_in_a_folder_only_below_it_after_normalisation()
    {
        // What an erasure may delete: a file the database's payload folder holds, not one a reference reaches by "..", nor
        // one in a sibling folder whose name merely starts the same.
        string folder = Path.Combine(Path.GetTempPath(), "db.payloads");
        Assert.True(At(new Uri(Path.Combine(folder, "cartridges", "a.amkv")).AbsoluteUri).IsLocalFileIn(folder));
        Assert.True(At(new Uri(Path.Combine(folder, "a.amkv")).AbsoluteUri).IsLocalFileIn(folder + Path.DirectorySeparatorChar));
        Assert.False(At(new Uri(Path.Combine(folder + "-old", "a.amkv")).AbsoluteUri).IsLocalFileIn(folder));
        Assert.False(At(new Uri(Path.GetTempPath()).AbsoluteUri + "db.payloads/../other.db").IsLocalFileIn(folder));
        Assert.False(At("https://example.com/a.amkv").IsLocalFileIn(folder));
    }
}
