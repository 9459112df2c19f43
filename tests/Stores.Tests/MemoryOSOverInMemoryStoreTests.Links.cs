using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Ports;
using AgentMem.Retrieval.Lexical;
using AgentMem.Stores.InMemory;

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
    [Fact]
    public async Task A_neighbourhood_with_a_limit_reads_only_that_many_linked_memories_each_way_and_one_more()
    {
        // The REST links endpoint capped only its answer: a hub memory's every target and every linking memory was read in full.
        var inner = new InMemoryMemoryStore();
        var read = new List<MemoryId>();
        var counted = InterceptedStore.Over(inner, (method, args) =>
        {
            if (method == nameof(IMemoryStore.GetAsync))
            {
                read.Add((MemoryId)args[1]!);
            }
            else if (method == nameof(IMemoryStore.GetManyAsync))
            {
                read.AddRange((IReadOnlyList<MemoryId>)args[1]!);
            }

            return null;
        });
        await using var hubs = new MemoryOS(counted, new Bm25Retriever(inner));
        await hubs.CreateCubeAsync(Alice, "notes");
        var targets = new List<MemoryId>();
        for (int i = 0; i < 20; i++)
        {
            targets.Add((await hubs.AddAsync(Alice, "notes", new MemoryDraft($"target {i}"))).Id);
        }

        var hub = (await hubs.AddAsync(Alice, "notes", new MemoryDraft("the hub") { Links = [.. targets.Select(t => new MemoryLink(t, "relates-to"))] })).Id;
        var linking = new List<MemoryId>();
        for (int i = 0; i < 20; i++)
        {
            linking.Add((await hubs.AddAsync(Alice, "notes", new MemoryDraft($"linking {i}") { Links = [new MemoryLink(hub, "elaborates")] })).Id);
        }

        read.Clear();
        var page = await hubs.GetNeighborhoodAsync(Alice, hub, limit: 3);
        Assert.Equal(targets[..3], page.Neighbours.Select(n => n.Target.Id));
        Assert.Equal(linking[..3], page.LinkedFrom.Select(l => l.Source.Id));
        Assert.True(page.MoreNeighbours);
        Assert.True(page.MoreLinkedFrom);
        Assert.Equal(0, page.Hidden);
        Assert.InRange(read.Count(targets.Contains), 3, 4);
        Assert.InRange(read.Count(linking.Contains), 3, 4);

        var whole = await hubs.GetNeighborhoodAsync(Alice, hub, limit: 20);
        Assert.Equal(targets, whole.Neighbours.Select(n => n.Target.Id));
        Assert.Equal(linking, whole.LinkedFrom.Select(l => l.Source.Id));
        Assert.False(whole.MoreNeighbours || whole.MoreLinkedFrom);
        var unbounded = await hubs.GetNeighborhoodAsync(Alice, hub);
        Assert.Equal(linking, unbounded.LinkedFrom.Select(l => l.Source.Id));
        Assert.Equal(linking, (await hubs.GetIncomingLinksAsync(Alice, hub)).Select(l => l.Source.Id));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => hubs.GetNeighborhoodAsync(Alice, hub, limit: 0));
    }

    [Fact]
    public async Task A_link_into_a_cube_the_writer_may_not_read_is_refused_as_a_link_to_an_unknown_memory()
    {
        // A link to a memory of a cube the caller may not read was stored, while one to an unknown id was refused: the
        // answer told which ids exist behind a 404, and a derived-from link made the owner's purge take the caller's memory.
        var secret = (await memory.AddAsync(Alice, "notes", new MemoryDraft("alice's secret"))).Id;
        await memory.CreateCubeAsync(Bob, "bobs");
        var own = (await memory.AddAsync(Bob, "bobs", new MemoryDraft("bob's note"))).Id;
        var never = MemoryId.NewId();
        var unknown = await Assert.ThrowsAsync<MemoryValidationException>(() => memory.AddAsync(Bob, "bobs", new MemoryDraft("bob's guess") { Links = [new MemoryLink(never, "derived-from")] }));
        string Expected(MemoryId target) => unknown.Message.Replace(never.ToString(), target.ToString(), StringComparison.Ordinal);

        var link = new[] { new MemoryLink(secret, "derived-from") };
        var adding = await Assert.ThrowsAsync<MemoryValidationException>(() => memory.AddAsync(Bob, "bobs", new MemoryDraft("bob's probe") { Links = link }));
        var batch = await Assert.ThrowsAsync<MemoryValidationException>(() => memory.AddBatchAsync(Bob, "bobs", [new MemoryDraft("first"), new MemoryDraft("second") { Links = link }]));
        var updating = await Assert.ThrowsAsync<MemoryValidationException>(() => memory.UpdateAsync(Bob, own, new MemoryChange { Links = link }));
        var many = await Assert.ThrowsAsync<MemoryValidationException>(() => memory.UpdateManyAsync(Bob, [new MemoryUpdate(own, new MemoryChange { Importance = 0.9 }), new MemoryUpdate(own, new MemoryChange { Links = link })]));
        var superseding = await Assert.ThrowsAsync<MemoryValidationException>(() => memory.SupersedeAsync(Bob, own, "replaced", link));
        Assert.All(new[] { adding, batch, updating, many, superseding }, ex => Assert.Equal(Expected(secret), ex.Message));
        Assert.Equal(1, await memory.CountAsync(Bob, "bobs"));
        var untouched = await memory.GetAsync(Bob, own);
        Assert.Equal(1, untouched.Version);
        Assert.Empty(untouched.Links);

        // Writing alone is not reading: a grantee that may only add to Alice's cube cannot link to what it holds.
        await memory.SetGrantsAsync(Alice, "notes", [new CubeGrant("bob", null, CubeAccess.Write)]);
        var inCube = await Assert.ThrowsAsync<MemoryValidationException>(() => memory.AddAsync(Bob, "notes", new MemoryDraft("bob's note to alice") { Links = link }));
        Assert.Equal(Expected(secret), inCube.Message);

        // Whoever may read the target links to it: the owner, and a grantee once it may read the cube.
        Assert.True((await memory.AddAsync(Alice, "notes", new MemoryDraft("alice's follow-up") { Links = link })).Created);
        await memory.SetGrantsAsync(Alice, "notes", [new CubeGrant("bob", null, CubeAccess.Read)]);
        Assert.Equal([secret], (await memory.UpdateAsync(Bob, own, new MemoryChange { Links = link })).Links.Select(l => l.Target));
        var derived = (await memory.AddAsync(Bob, "bobs", new MemoryDraft("bob's summary") { Links = link })).Id;
        Assert.Equal([secret], (await memory.GetAsync(Bob, derived)).Links.Select(l => l.Target));
    }
}
