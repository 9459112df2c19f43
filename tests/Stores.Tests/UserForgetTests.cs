using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Links;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore;

namespace AgentMem.Stores.Tests;

/// <summary><see cref="MemoryOS.ForgetUserAsync"/> through the facade: what goes, what stays, who may, and the one audit line.</summary>
public sealed class UserForgetTests : IAsyncLifetime
{
    private static readonly Scope Owner = new("acme");
    private static readonly Scope Alice = new("acme", "alice");
    private static readonly Scope Bob = new("acme", "bob");
    private static readonly Scope Carol = new("acme", "carol");
    private MemoryOS memory = null!;

    public async Task InitializeAsync()
    {
        memory = InMemoryMemory.Open();
        await memory.CreateCubeAsync(Alice, "notes");
        await memory.SetGrantsAsync(Alice, "notes", [new CubeGrant("bob", null, CubeAccess.ReadWrite)]);
        await memory.CreateCubeAsync(Bob, "diary");
    }

    public async Task DisposeAsync() => await memory.DisposeAsync();

    [Fact]
    public async Task Forgetting_a_user_removes_their_memories_in_every_cube_and_what_was_derived_from_them()
    {
        var told = await memory.AddAsync(Bob, "notes", new MemoryDraft("bob's secret plan zebra"));
        var frozen = await memory.AddAsync(Bob, "notes", new MemoryDraft("bob's frozen fact"));
        await memory.SetStateAsync(Bob, frozen.Id, LifecycleState.Frozen);
        var diary = await memory.AddAsync(Bob, "diary", new MemoryDraft("dear diary"));
        await memory.UpdateAsync(Bob, diary.Id, new MemoryChange { Text = "dear diary, again" });
        var tombstone = await memory.AddAsync(Bob, "diary", new MemoryDraft("bob's deleted line"));
        await memory.DeleteAsync(Bob, tombstone.Id);
        var own = await memory.AddAsync(Alice, "notes", new MemoryDraft("alice's own note"));
        var related = await memory.AddAsync(Alice, "notes", new MemoryDraft("alice relates") { Links = [new MemoryLink(told.Id, "relates-to")] });
        var summary = await memory.AddAsync(Alice, "notes", new MemoryDraft("summary: zebra plan") { Links = [new MemoryLink(told.Id, LinkTypes.DerivedFrom)] });
        var summaryOfSummary = await memory.AddAsync(Alice, "notes", new MemoryDraft("digest") { Links = [new MemoryLink(summary.Id, LinkTypes.DerivedFrom)] });

        var result = await memory.ForgetUserAsync(Bob, "bob");

        Assert.Equal((4, 2, 2, 6), (result.Written, result.Derived, result.Cubes, result.Total));
        foreach (var gone in new[] { told.Id, frozen.Id, diary.Id, tombstone.Id, summary.Id, summaryOfSummary.Id })
        {
            await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.GetAsync(Alice, gone));
        }

        Assert.Equal("alice's own note", (await memory.GetAsync(Alice, own.Id)).Text);
        Assert.Empty((await memory.GetAsync(Alice, related.Id)).Links);
        Assert.Empty(await memory.SearchAsync(Alice, "notes", "zebra"));
    }

    [Fact]
    public async Task Only_the_tenant_owner_scope_or_the_user_may_forget_and_one_content_free_audit_line_remains()
    {
        await memory.AddAsync(Bob, "notes", new MemoryDraft("bob's secret plan zebra"));

        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => memory.ForgetUserAsync(Carol, "bob"));
        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => memory.ForgetUserAsync(Alice, "bob"));
        var result = await memory.ForgetUserAsync(Owner, "bob");

        Assert.Equal(1, result.Total);
        var line = Assert.Single(await memory.GetAuditAsync(Owner), r => r.Action == "user.forget");
        Assert.Equal((null, null), (line.CubeId, line.MemoryId));
        Assert.Equal("user 'bob': 1 written, 0 derived, 1 cube(s)", line.Detail);
        Assert.DoesNotContain(await memory.GetAuditAsync(Owner), r => r.Action == "purge");
        Assert.Equal(0, (await memory.ForgetUserAsync(Owner, "bob")).Total);
    }

    [Fact]
    public async Task Forgetting_a_user_drops_the_grants_that_name_them_and_lists_the_cubes_they_own_for_the_caller_to_delete()
    {
        // The grants survived, so a new user given the same id got the old one's access; and nothing told the caller that
        // the user's own cubes (name, description, what others wrote there) were still there.
        var assistant = new Scope("acme", null, "assistant");
        var alicePrivate = await memory.CreateCubeAsync(Alice, "alice-private", "Alice Smith, diabetes care notes");
        await memory.SetGrantsAsync(Alice, "alice-private", [new CubeGrant(null, "assistant", CubeAccess.ReadWrite)]);
        var note = await memory.AddAsync(assistant, "alice-private", new MemoryDraft("assistant note: patient alice takes insulin at 8pm"));
        await memory.SetGrantsAsync(Bob, "diary", [new CubeGrant("alice", null, CubeAccess.ReadWrite), new CubeGrant("alice", "helper", CubeAccess.Read), new CubeGrant("carol", null, CubeAccess.Read)]);
        await memory.AddAsync(Alice, "diary", new MemoryDraft("alice wrote in bob's diary"));

        // One agent of the user may not drop what another agent of theirs was granted: refused before anything is erased.
        var other = await Assert.ThrowsAsync<CubeAccessDeniedException>(() => memory.ForgetUserAsync(new Scope("acme", "alice", "rogue"), "alice"));
        Assert.Equal("diary", other.CubeName);
        Assert.Equal(3, (await memory.OpenCubeAsync(Bob, "diary")).Grants.Count);

        var result = await memory.ForgetUserAsync(Owner, "alice");

        Assert.Equal((1, 2), (result.Written, result.GrantsDropped));
        string notes = (await memory.OpenCubeAsync(Alice, "notes")).Id;
        Assert.Equal(new[] { alicePrivate.Id, notes }.Order(StringComparer.Ordinal), result.OwnedCubes.Order(StringComparer.Ordinal));
        Assert.Equal([new CubeGrant("carol", null, CubeAccess.Read)], (await memory.OpenCubeAsync(Bob, "diary")).Grants);
        var newAlice = new Scope("acme", "alice");
        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => memory.ListAsync(newAlice, "diary").ToListAsync().AsTask());
        // Listed, not deleted: the caller decides (a cube may hold what others wrote); deleting it as its owner finishes the erasure.
        Assert.Equal(note.Id, (await memory.GetAsync(assistant, note.Id)).Id);
        Assert.Single(await memory.GetAuditAsync(Bob), r => r.Action == "cube.grants" && r.User is null); // the forget's, as the owner scope
    }

    [Fact]
    public async Task An_agent_acting_for_the_user_forgets_nothing_while_a_cube_holding_their_memories_is_closed_to_it()
    {
        // Only the actor's user was compared: an agent that may neither read nor purge in the cube of the user's other agent
        // erased everything there for good.
        var trusted = new Scope("acme", "alice", "trusted");
        var rogue = new Scope("acme", "alice", "rogue");
        await memory.CreateCubeAsync(trusted, "vault");
        var secret = await memory.AddAsync(trusted, "vault", new MemoryDraft("alice's vault note"));
        var own = await memory.AddAsync(Alice, "notes", new MemoryDraft("alice's own note"));
        await Assert.ThrowsAsync<CubeAccessDeniedException>(() => memory.PurgeAsync(rogue, secret.Id));

        var refused = await Assert.ThrowsAsync<CubeAccessDeniedException>(() => memory.ForgetUserAsync(rogue, "alice"));

        Assert.Equal(("vault", false), (refused.CubeName, refused.CanRead));
        Assert.Contains("nothing was forgotten", refused.Message, StringComparison.Ordinal);
        Assert.Equal("alice's vault note", (await memory.GetAsync(trusted, secret.Id)).Text);
        Assert.Equal("alice's own note", (await memory.GetAsync(Alice, own.Id)).Text); // all or nothing
        Assert.DoesNotContain(await memory.GetAuditAsync(Owner), r => r.Action == "user.forget");

        // The agent that may purge there forgets the user everywhere, as the tenant's owner scope may whatever the grants say.
        Assert.Equal(2, (await memory.ForgetUserAsync(trusted, "alice")).Written);
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.GetAsync(trusted, secret.Id));
    }

    [Fact]
    public async Task The_user_themself_without_an_agent_forgets_their_memories_also_in_cubes_closed_to_that_scope()
    {
        // The erasure is the user's right: only an agent acting for them is held to its cubes' access. `agentmem forget
        // --user alice` (no --agent) was refused for alice's memories in the cube of her agent "trusted".
        var trusted = new Scope("acme", "alice", "trusted");
        await memory.CreateCubeAsync(trusted, "vault");
        var secret = await memory.AddAsync(trusted, "vault", new MemoryDraft("alice's vault note"));
        await Assert.ThrowsAsync<CubeAccessDeniedException>(() => memory.GetAsync(Alice, secret.Id));

        Assert.Equal(1, (await memory.ForgetUserAsync(Alice, "alice")).Written);

        await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.GetAsync(trusted, secret.Id));
    }
}
