using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.Retrieval.Lexical;

namespace AgentMem.Stores.Tests.Contract;

/// <summary>Names and filters no store can hold are refused by the facade alike, whatever store is under it.</summary>
public abstract partial class MemoryStoreContract
{
    [SkippableFact]
    public async Task A_cube_name_or_filter_holding_a_nul_is_refused_as_invalid_on_every_store()
    {
        // PostgreSQL's text cannot hold a NUL: the lookup failed there as a server error (22021), where SQLite and the
        // in-memory store answered "no such cube" or matched nothing.
        await using var s = await StartAsync();
        var memory = new MemoryOS(s.Store, new Bm25Retriever(s.Store));
        await memory.CreateCubeAsync(s.Alice, "notes");
        await memory.AddAsync(s.Alice, "notes", new MemoryDraft("Caroline went to a support group") { Tags = ["event"] });

        await Assert.ThrowsAsync<MemoryValidationException>(() => memory.OpenCubeAsync(s.Alice, "no\0tes"));
        await Assert.ThrowsAsync<MemoryValidationException>(() => memory.GetOrCreateCubeAsync(s.Alice, "no\0tes", CubeAccess.Write));
        await Assert.ThrowsAsync<MemoryValidationException>(() => memory.CountAsync(s.Alice, "no\0tes"));

        var nul = new MemoryFilter { AnyTags = ["ev\0ent"] };
        await Assert.ThrowsAsync<MemoryValidationException>(() => memory.CountAsync(s.Alice, "notes", nul));
        await Assert.ThrowsAsync<MemoryValidationException>(async () => await memory.ListAsync(s.Alice, "notes", nul).ToListAsync());
        await Assert.ThrowsAsync<MemoryValidationException>(() => memory.SearchAsync(s.Alice, "notes", "support group", filter: nul));
        await Assert.ThrowsAsync<MemoryValidationException>(() => memory.CountAsync(s.Alice, "notes", new MemoryFilter { Session = "s\01" }));

        // The cube and the filter without the NUL still work, and nothing was created.
        Assert.Equal(1, await memory.CountAsync(s.Alice, "notes", new MemoryFilter { AnyTags = ["event"] }));
        Assert.Equal(["notes"], (await memory.ListCubesAsync(s.Alice)).Select(c => c.Name));
    }
}
