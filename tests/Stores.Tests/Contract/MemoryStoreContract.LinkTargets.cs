using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.Retrieval.Lexical;

namespace AgentMem.Stores.Tests.Contract;

/// <summary>Links through the facade point to memories the tenant holds, alike on every store.</summary>
public abstract partial class MemoryStoreContract
{
    [SkippableFact]
    public async Task A_link_to_a_memory_that_is_not_stored_is_refused_on_add_update_and_supersede_and_nothing_is_written()
    {
        // The store dropped such a link without a word, while UpdateAsync returned the memory with it: the caller was told
        // the link was made, and every retry of the same change wrote one more version.
        await using var s = await StartAsync();
        var memory = new MemoryOS(s.Store, new Bm25Retriever(s.Store));
        await memory.CreateCubeAsync(s.Alice, "notes");
        var cat = (await memory.AddAsync(s.Alice, "notes", new MemoryDraft("Ann has a cat named Miso"))).Id;
        var purged = (await memory.AddAsync(s.Alice, "notes", new MemoryDraft("Ann had a hamster"))).Id;
        await memory.PurgeAsync(s.Alice, purged);
        var elsewhere = new Scope(s.Tenant + "-other", "alice");
        await memory.CreateCubeAsync(elsewhere, "notes");
        var otherTenant = (await memory.AddAsync(elsewhere, "notes", new MemoryDraft("Bob has a dog"))).Id;
        var vet = (await memory.AddAsync(s.Alice, "notes", new MemoryDraft("Ann took Miso to the vet") { Links = [new MemoryLink(cat, "elaborates")] })).Id;

        foreach (var ghost in new[] { MemoryId.NewId(), purged, otherTenant })
        {
            var refused = await Assert.ThrowsAsync<MemoryValidationException>(() => memory.UpdateAsync(s.Alice, vet, new MemoryChange { Links = [new MemoryLink(cat, "elaborates"), new MemoryLink(ghost, "related")] }));
            Assert.Contains(ghost.ToString(), refused.Message, StringComparison.Ordinal);
            refused = await Assert.ThrowsAsync<MemoryValidationException>(() => memory.AddAsync(s.Alice, "notes", new MemoryDraft("Miso sleeps all day") { Links = [new MemoryLink(ghost, "related")] }));
            Assert.Contains(ghost.ToString(), refused.Message, StringComparison.Ordinal);
            await Assert.ThrowsAsync<MemoryValidationException>(() => memory.SupersedeAsync(s.Alice, vet, "moved on", [new MemoryLink(ghost, "superseded_by")]));
        }

        var stored = await memory.GetAsync(s.Alice, vet);
        Assert.Equal((1, LifecycleState.Active), (stored.Version, stored.State));
        Assert.Equal([new MemoryLink(cat, "elaborates")], stored.Links);
        Assert.Equal(3, await memory.CountAsync(s.Alice, "notes", new MemoryFilter { States = [.. Enum.GetValues<LifecycleState>()] }) + 1);

        // Links to stored memories still work, and the same change sent again changes nothing (no new version).
        var change = new MemoryChange { Links = [new MemoryLink(cat, "elaborates", 0.8, "same cat"), new MemoryLink(vet, "self")] };
        var updated = await memory.UpdateAsync(s.Alice, vet, change);
        Assert.Equal(2, updated.Version);
        Assert.Equal(updated.Links, (await memory.GetAsync(s.Alice, vet)).Links);
        Assert.Equal(2, (await memory.UpdateAsync(s.Alice, vet, change)).Version);
        Assert.Equal(2, (await memory.GetHistoryAsync(s.Alice, vet)).Count);
    }
}
