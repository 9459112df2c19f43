using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;

namespace AgentMem.Stores.Tests;

/// <summary><see cref="MemoryOS.GetIncomingLinksAsync"/>: links followed backwards, within the cube, by the current versions.</summary>
public sealed partial class MemoryOSOverInMemoryStoreTests
{
    [Fact]
    public async Task Incoming_links_come_from_the_memories_of_the_same_cube_whose_current_version_points_to_the_memory()
    {
        var cat = (await memory.AddAsync(Alice, "notes", new MemoryDraft("Ann has a cat named Miso"))).Id;
        var vet = (await memory.AddAsync(Alice, "notes", new MemoryDraft("Ann took Miso to the vet") { Links = [new MemoryLink(cat, "elaborates", 0.8)] })).Id;
        var allergy = (await memory.AddAsync(Alice, "notes", new MemoryDraft("Ann is allergic to cats") { Links = [new MemoryLink(cat, "contradicts")] })).Id;
        var food = (await memory.AddAsync(Alice, "notes", new MemoryDraft("Miso eats salmon") { Links = [new MemoryLink(cat, "relates-to")] })).Id;
        var old = (await memory.AddAsync(Alice, "notes", new MemoryDraft("Miso was a kitten") { Links = [new MemoryLink(cat, "relates-to")] })).Id;
        await memory.SetStateAsync(Alice, old, LifecycleState.Archived, "stale");
        await memory.UpdateAsync(Alice, food, new MemoryChange { Links = [], Reason = "not about the cat" });
        await memory.CreateCubeAsync(Alice, "other");
        await memory.AddAsync(Alice, "other", new MemoryDraft("Another cube's note on Miso") { Links = [new MemoryLink(cat, "relates-to")] });

        var incoming = await memory.GetIncomingLinksAsync(Alice, cat);

        Assert.Equal([(vet, "elaborates"), (allergy, "contradicts")], incoming.Select(i => (i.Source.Id, i.Link.Type)));
        Assert.Equal((cat, 0.8), (incoming[0].Link.Target, incoming[0].Link.Weight));
        Assert.Equal([old], (await memory.GetIncomingLinksAsync(Alice, cat, new MemoryFilter { States = [LifecycleState.Archived] })).Select(i => i.Source.Id));
        Assert.Empty(await memory.GetIncomingLinksAsync(Alice, vet));

        // A memory linking twice (two types) gives two incoming links.
        var twice = (await memory.AddAsync(Alice, "notes", new MemoryDraft("Miso is Ann's and sheds a lot")
        {
            Links = [new MemoryLink(cat, "elaborates"), new MemoryLink(cat, "contradicts")],
        })).Id;
        Assert.Equal([(twice, "elaborates"), (twice, "contradicts")], (await memory.GetIncomingLinksAsync(Alice, cat)).Skip(2).Select(i => (i.Source.Id, i.Link.Type)));

        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => memory.GetIncomingLinksAsync(Bob, cat));
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.GetIncomingLinksAsync(new Scope("globex", "alice"), cat));
    }
}
