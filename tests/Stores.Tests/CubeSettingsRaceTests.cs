using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.Retrieval.Lexical;
using AgentMem.Stores.InMemory;

namespace AgentMem.Stores.Tests;

/// <summary>
/// A cube's grants and policy are changed on the cube as stored at the write, not as the facade read it a moment before:
/// a change to one written back over a change to the other (made in between by another request or node) undid it.
/// </summary>
public sealed class CubeSettingsRaceTests
{
    private static readonly Scope Alice = new("acme", "alice");
    private static readonly Scope Bob = new("acme", "bob");

    [Fact]
    public async Task A_grant_revoked_while_a_grantee_changes_the_policy_stays_revoked()
    {
        var inner = new InMemoryMemoryStore();
        await using var owner = new MemoryOS(inner, new Bm25Retriever(inner));
        await owner.CreateCubeAsync(Alice, "team", grants: [new CubeGrant("bob", null, CubeAccess.ReadWrite)]);

        // Bob's policy change reads the cube; Alice revokes his grant before it writes.
        await using var racing = new MemoryOS(BeforeCubeWrite(inner, () => owner.SetGrantsAsync(Alice, "team", [])), new Bm25Retriever(inner));
        await Assert.ThrowsAsync<CubeAccessDeniedException>(() => racing.SetPolicyAsync(Bob, "team", new CubePolicy { MaxItems = 5 }));

        var cube = await owner.OpenCubeAsync(Alice, "team");
        Assert.Empty(cube.Grants);
        Assert.Equal(0, cube.Policy.MaxItems);
        await Assert.ThrowsAsync<CubeAccessDeniedException>(() => owner.GetStatsAsync(Bob, "team"));
    }

    [Fact]
    public async Task A_policy_change_and_a_grant_change_made_at_once_both_hold()
    {
        var inner = new InMemoryMemoryStore();
        await using var owner = new MemoryOS(inner, new Bm25Retriever(inner));
        await owner.CreateCubeAsync(Alice, "team");

        await using var racing = new MemoryOS(BeforeCubeWrite(inner, () => owner.SetPolicyAsync(Alice, "team", new CubePolicy { MaxItems = 5 })), new Bm25Retriever(inner));
        var returned = await racing.SetGrantsAsync(Alice, "team", [new CubeGrant("bob", null, CubeAccess.Read)]);

        var cube = await owner.OpenCubeAsync(Alice, "team");
        Assert.Equal(5, cube.Policy.MaxItems);
        Assert.Equal("bob", Assert.Single(cube.Grants).User);
        Assert.Equal(5, returned.Policy.MaxItems);
    }

    [Fact]
    public async Task Two_policy_changes_of_different_members_made_at_once_both_hold()
    {
        // A host merged the members it was given into the policy it had read, and wrote it whole: the other's member reverted.
        var inner = new InMemoryMemoryStore();
        await using var owner = new MemoryOS(inner, new Bm25Retriever(inner));
        await owner.CreateCubeAsync(Alice, "team");

        await using var racing = new MemoryOS(BeforeCubeWrite(inner, () => owner.SetPolicyAsync(Alice, "team", p => p with { RetentionDays = 30 })), new Bm25Retriever(inner));
        var returned = await racing.SetPolicyAsync(Alice, "team", p => p with { MaxItems = 100 });

        var policy = (await owner.OpenCubeAsync(Alice, "team")).Policy;
        Assert.Equal((30, 100), (policy.RetentionDays, policy.MaxItems));
        Assert.Equal(policy, returned.Policy);
        await Assert.ThrowsAsync<MemoryValidationException>(() => owner.SetPolicyAsync(Alice, "team", p => p with { MaxItems = -1 }));
        Assert.Equal(100, (await owner.OpenCubeAsync(Alice, "team")).Policy.MaxItems);
    }

    [Fact]
    public async Task Two_grants_given_at_once_both_hold_and_a_grant_revoked_meanwhile_stays_revoked()
    {
        // agentmem cube grant/revoke read the grants, changed the list and wrote it whole: one grant undid the other, and a
        // grant racing a revoke gave the revoked grantee access again.
        var inner = new InMemoryMemoryStore();
        await using var owner = new MemoryOS(inner, new Bm25Retriever(inner));
        await owner.CreateCubeAsync(Alice, "team", grants: [new CubeGrant("bob", null, CubeAccess.ReadWrite)]);

        var carol = new CubeGrant("carol", null, CubeAccess.Read);
        await using var racing = new MemoryOS(BeforeCubeWrite(inner, () => owner.SetGrantsAsync(Alice, "team", g => [.. g.Where(x => x.User != "bob"), carol])), new Bm25Retriever(inner));
        var returned = await racing.SetGrantsAsync(Alice, "team", g => [.. g, new CubeGrant("dave", null, CubeAccess.Write)]);

        var cube = await owner.OpenCubeAsync(Alice, "team");
        Assert.Equal(["carol", "dave"], cube.Grants.Select(g => g.User));
        Assert.Equal(cube.Grants, returned.Grants);
        await Assert.ThrowsAsync<CubeAccessDeniedException>(() => owner.GetStatsAsync(Bob, "team"));

        // The change is checked as a list given whole is, and only the owner may make it.
        await Assert.ThrowsAsync<MemoryValidationException>(() => owner.SetGrantsAsync(Alice, "team", g => [.. g, new CubeGrant(null, null, CubeAccess.Read)]));
        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => owner.SetGrantsAsync(new Scope("acme", "carol"), "team", g => []));
        Assert.Equal(2, (await owner.OpenCubeAsync(Alice, "team")).Grants.Count);
    }

    // The store as a cube change meets it when another change lands between the facade's read and its write: the first
    // cube write runs the other change first (through another facade over the same store), then goes ahead.
    private static IMemoryStore BeforeCubeWrite(IMemoryStore inner, Func<Task> other)
    {
        bool done = false;
        return InterceptedStore.Over(inner, (method, _) =>
        {
            if (method == nameof(IMemoryStore.UpdateCubeAsync) && !done)
            {
                done = true;
                other().GetAwaiter().GetResult();
            }

            return null;
        });
    }
}
