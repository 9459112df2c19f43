using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.MemoryCore.Validation;
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

    [SkippableFact]
    public async Task Dot_segments_are_refused_as_new_cube_user_and_agent_names_but_stored_ones_stay_reachable()
    {
        // "." and ".." cannot be a segment of a URL path (clients and Kestrel remove them): a cube or user so named could
        // not be read, or a user forgotten, over REST.
        await using var s = await StartAsync();
        var memory = new MemoryOS(s.Store, new Bm25Retriever(s.Store));
        foreach (string name in new[] { ".", "..", " .. " })
        {
            await Assert.ThrowsAsync<MemoryValidationException>(() => memory.CreateCubeAsync(s.Alice, name));
            await Assert.ThrowsAsync<MemoryValidationException>(() => memory.GetOrCreateCubeAsync(s.Alice, name, CubeAccess.Write));
        }

        var owner = new Scope(s.Tenant); // the tenant's cube: every user of the tenant may write to it
        await memory.CreateCubeAsync(owner, "notes");
        foreach (var author in new[] { new Scope(s.Tenant, ".."), new Scope(s.Tenant, "alice", "."), new Scope(s.Tenant, agent: "..") })
        {
            await Assert.ThrowsAsync<MemoryValidationException>(() => memory.AddAsync(author, "notes", new MemoryDraft("Caroline went to a support group")));
            Assert.Throws<MemoryValidationException>(() => memory.ValidateDrafts(author, [new MemoryDraft("Caroline went to a support group")]));
        }

        // A Mem0 import adds memories under the users it names.
        string mem0 = Path.Combine(Path.GetTempPath(), $"agentmem-mem0-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(mem0, """[{"id":"m1","memory":"Caroline went to a support group","created_at":"2024-05-07T00:00:00Z","user_id":".."}]""");
        try
        {
            await Assert.ThrowsAsync<MemoryValidationException>(() => memory.ImportMem0Async(owner, "notes", mem0));
        }
        finally
        {
            File.Delete(mem0);
        }

        Assert.Equal(0, await memory.CountAsync(owner, "notes"));
        Assert.Equal(["notes"], (await memory.ListCubesAsync(owner)).Select(c => c.Name));

        // Names like these stored before the rule (here through the store, as an older version wrote them) stay reachable.
        var old = await s.CreateCubeAsync("..");
        await s.AddAsync(old, "an old memory", m => m with { Scope = new Scope(s.Tenant, "..") });
        Assert.Equal(old.Id, (await memory.OpenCubeAsync(s.Alice, "..")).Id);
        Assert.Equal(old.Id, (await memory.GetOrCreateCubeAsync(s.Alice, "..", CubeAccess.Write)).Id);
        Assert.Equal(1, (await memory.ForgetUserAsync(owner, "..")).Written);
    }

    [SkippableFact]
    public async Task A_payload_reference_holding_a_nul_or_past_its_limit_is_refused_as_invalid_on_every_store()
    {
        // A memory's text, tags, actor and context were refused with a NUL, its payload reference was not: SQLite stored it,
        // PostgreSQL failed the add with a raw 22P05 (its jsonb cannot hold \u0000), and the SQLite cube's export could not
        // be imported there. The URI and media type had no length limit either.
        await using var s = await StartAsync();
        var memory = new MemoryOS(s.Store, new Bm25Retriever(s.Store));
        await memory.CreateCubeAsync(s.Alice, "notes");
        string sha = new('a', 64);
        MemoryDraft Picture(PayloadRef payload) => new("a picture of a cat") { Kind = MemoryKind.Activation, Payload = payload };

        foreach (var payload in new[]
        {
            new PayloadRef("file:///tmp/a\0b.png", "image/png", 10, sha),
            new PayloadRef("file:///tmp/a.png", "image/p\0ng", 10, sha),
            new PayloadRef("file:///tmp/" + new string('a', ContentRules.MaxNoteBytes), "image/png", 10, sha),
            new PayloadRef("file:///tmp/a.png", "image/" + new string('p', ContentRules.MaxReferenceBytes), 10, sha),
        })
        {
            var ex = await Assert.ThrowsAnyAsync<MemoryValidationException>(() => memory.AddAsync(s.Alice, "notes", Picture(payload)));
            Assert.Contains("payload", ex.Message, StringComparison.Ordinal);
        }

        Assert.Equal(0, await memory.CountAsync(s.Alice, "notes"));
        var usable = new PayloadRef("file:///tmp/a.png", "image/png", 10, sha);
        var added = await memory.AddAsync(s.Alice, "notes", Picture(usable));
        Assert.Equal(usable, (await memory.GetAsync(s.Alice, added.Id)).Payload);
    }
}
