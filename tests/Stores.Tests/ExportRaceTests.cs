using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Export;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.Retrieval.Lexical;
using AgentMem.Stores.InMemory;

namespace AgentMem.Stores.Tests;

/// <summary>An export reads each listed memory's history on its own; a memory purged in between is left out, not a crash.</summary>
public sealed class ExportRaceTests
{
    private static readonly Scope Alice = new("acme", "alice");

    [Fact]
    public async Task A_memory_purged_between_the_listing_and_its_history_is_left_out_of_the_export()
    {
        var inner = new InMemoryMemoryStore();
        await using var memory = new MemoryOS(inner, new Bm25Retriever(inner));
        await memory.CreateCubeAsync(Alice, "notes");
        var kept = await memory.AddAsync(Alice, "notes", new MemoryDraft("kept"));
        var gone = await memory.AddAsync(Alice, "notes", new MemoryDraft("purged while the export runs"));
        var cube = await memory.OpenCubeAsync(Alice, "notes");

        // The store as the export sees it when a purge lands after the listing: the memory is listed, its history is gone.
        var racing = InterceptedStore.Over(inner, (method, args) =>
            method == nameof(IMemoryStore.GetHistoryAsync) && args[1] is MemoryCore.Identity.MemoryId id && id == gone.Id
                ? Task.FromResult<IReadOnlyList<MemoryItem>>([])
                : null);

        var archive = await CubeArchiveWriter.ReadAsync(racing, cube, embedder: null);
        Assert.Equal([kept.Id], archive.Memories.Select(h => h[0].Id));
    }
}
