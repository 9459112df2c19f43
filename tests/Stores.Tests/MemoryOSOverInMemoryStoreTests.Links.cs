using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;

namespace AgentMem.Stores.Tests;

/// <summary><see cref="MemoryOS.ListLinkingToAsync"/>: links followed backwards, within the cube, by the current versions.</summary>
public sealed partial class MemoryOSOverInMemoryStoreTests
{
    [Fact]
    public async Task Linking_memories_are_those_of_the_same_cube_whose_current_version_points_to_the_memory()
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

        var linking = await memory.ListLinkingToAsync(Alice, cat);

        Assert.Equal([vet, allergy], linking.Select(m => m.Id));
        Assert.Equal(("elaborates", 0.8), (linking[0].Links[0].Type, linking[0].Links[0].Weight));
        Assert.Equal([old], (await memory.ListLinkingToAsync(Alice, cat, new MemoryFilter { States = [LifecycleState.Archived] })).Select(m => m.Id));
        Assert.Empty(await memory.ListLinkingToAsync(Alice, vet));

        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => memory.ListLinkingToAsync(Bob, cat));
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.ListLinkingToAsync(new Scope("globex", "alice"), cat));
    }
}
