using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.Retrieval;
using AgentMem.Retrieval.Hybrid;
using AgentMem.Server.Hosting;
using AgentMem.Stores.Postgres;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentMem.Server.Tests;

/// <summary>A node woken by another node's write over PostgreSQL's notices catches up without a search of its own.</summary>
public sealed class ChangeWatcherTests
{
    [SkippableFact]
    public async Task A_held_cube_catches_up_from_another_nodes_write_before_any_search()
    {
        string uri = PostgresServer.UriOrSkip();
        var me = new Scope("cw-" + Guid.NewGuid().ToString("N")[..12]);

        await using var writerStore = await PostgresMemoryStore.OpenAsync(uri);
        await using var writer = new MemoryOS(writerStore, DefaultRetrievers.Create(writerStore));
        var cube = await writer.CreateCubeAsync(me, "notes");
        await writer.AddAsync(me, cube.Id, new MemoryDraft("the first note, there before the watcher"));

        await using var nodeStore = await PostgresMemoryStore.OpenAsync(uri);
        var node = new HybridRetriever(nodeStore);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await node.State.PrepareAsync(me.Tenant, cube.Id, stop.Token);
        long before = node.State.AppliedSequence(me.Tenant, cube.Id)!.Value;
        var watching = ChangeWatcher.RunAsync(nodeStore, node.State, NullLogger.Instance, stop.Token);
        await Task.Delay(500); // the listener's LISTEN is in place before the write below

        await writer.AddAsync(me, cube.Id, new MemoryDraft("a second note written by the other node"));
        long head = await writerStore.GetChangeSequenceAsync(me.Tenant, cube.Id);
        Assert.True(head > before);

        while (node.State.AppliedSequence(me.Tenant, cube.Id) != head)
        {
            Assert.False(stop.IsCancellationRequested, "the watched node never caught up");
            await Task.Delay(20);
        }

        await stop.CancelAsync();
        await watching;
        node.State.Dispose();
    }
}
