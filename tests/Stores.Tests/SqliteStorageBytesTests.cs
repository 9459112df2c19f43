using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.Retrieval.Lexical;

namespace AgentMem.Stores.Tests;

/// <summary>A tenant's stats give the file's size only while the file holds that tenant alone.</summary>
public sealed class SqliteStorageBytesTests : IAsyncDisposable
{
    private readonly TestDatabase db = new();

    public ValueTask DisposeAsync() => db.DisposeAsync();

    [Fact]
    public async Task The_file_size_is_a_tenants_to_see_only_while_no_other_tenant_writes_to_the_file()
    {
        var store = db.OpenStore();
        await using var memory = new MemoryOS(store, new Bm25Retriever(store));
        var alice = TestDatabase.Alice;
        var cube = await memory.CreateCubeAsync(alice, "notes");
        await memory.AddAsync(alice, "notes", new MemoryDraft("Alice's own note"));

        long size = db.Scalar("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size();");
        Assert.Equal(size, (await memory.GetStatsAsync(alice)).StorageBytes);
        Assert.Equal(size, (await store.GetStatsAsync(alice.Tenant, cube.Id)).StorageBytes);

        // Another tenant's memories grow the same file: telling Alice its size would tell her how much they wrote.
        var other = new Scope("globex", "bob");
        await memory.CreateCubeAsync(other, "notes");
        await memory.AddAsync(other, "notes", new MemoryDraft("Bob's note"));
        Assert.Null((await memory.GetStatsAsync(alice)).StorageBytes);
        Assert.Null((await store.GetStatsAsync(alice.Tenant, cube.Id)).StorageBytes);
        Assert.Null((await memory.GetStatsAsync(other)).StorageBytes); // the other sorts after Alice's tenant: both sides
    }
}
