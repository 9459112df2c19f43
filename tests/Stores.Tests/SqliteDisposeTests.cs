using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.Retrieval.Lexical;
using AgentMem.Stores.Sqlite;

namespace AgentMem.Stores.Tests;

/// <summary>Disposing the SQLite store while writes run: the one in flight completes, those waiting fail having done nothing.</summary>
public sealed class SqliteDisposeTests
{
    [Fact]
    public async Task Disposing_the_store_lets_the_write_in_flight_finish_and_fails_the_waiting_ones_before_they_write()
    {
        await using var db = new TestDatabase();
        var store = SqliteMemoryStore.Open(db.FilePath);
        var memory = new MemoryOS(store, new Bm25Retriever(store));
        var cube = await memory.CreateCubeAsync(TestDatabase.Alice, "notes");

        // A write held inside its transaction (the cube change runs there) until the store is being disposed.
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var audit = new AuditRecord(DateTimeOffset.UtcNow, TestDatabase.Alice.Tenant, "alice", null, "cube.update", cube.Id, null, null, null);
        var inFlight = Task.Run(() => store.UpdateCubeAsync(TestDatabase.Alice.Tenant, cube.Id, c =>
        {
            entered.Set();
            release.Wait();
            return c with { Description = "written while closing" };
        }, audit));
        entered.Wait();

        // Called here, each add reaches the store's write gate before the call returns, and waits there.
        var waiting = Enumerable.Range(0, 20).Select(i => memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft($"note {i}"))).ToList();
        var disposing = store.DisposeAsync().AsTask();
        release.Set();

        // A bound only so that a write that never finishes fails the test instead of hanging the run.
        var all = Task.WhenAll([inFlight, disposing, .. waiting]);
        await Task.WhenAny(all, Task.Delay(TimeSpan.FromMinutes(1)));
        Assert.True(all.IsCompleted, "a write or the disposal never finished");

        Assert.Equal(TaskStatus.RanToCompletion, inFlight.Status);
        Assert.Equal(TaskStatus.RanToCompletion, disposing.Status);
        Assert.All(waiting, w => Assert.IsType<ObjectDisposedException>(w.Exception?.InnerException));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("after")));

        await using var reopened = SqliteMemoryStore.Open(db.FilePath);
        Assert.Equal("written while closing", (await reopened.FindCubeAsync(TestDatabase.Alice.Tenant, cube.Id))!.Description);
        Assert.Equal(0, await reopened.CountAsync(TestDatabase.Alice.Tenant, new MemoryFilter { States = Enum.GetValues<LifecycleState>() }));
    }
}
