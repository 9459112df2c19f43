using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Model;

namespace AgentMem.MemoryCore.Tests;

public sealed class CubeAccessPolicyTests
{
    private static MemCube Cube(Scope owner, params CubeGrant[] grants) => new()
    {
        Id = "c1",
        Owner = owner,
        Name = "n",
        Grants = grants,
        CreatedAt = DateTimeOffset.UnixEpoch,
        UpdatedAt = DateTimeOffset.UnixEpoch,
    };

    [Fact]
    public void The_owner_has_full_access_and_other_tenants_none()
    {
        var cube = Cube(new Scope("acme", "alice"));
        Assert.Equal(CubeAccess.ReadWrite, CubeAccessPolicy.Evaluate(cube, new Scope("acme", "alice", "any-agent", "s9")));
        Assert.Equal(CubeAccess.None, CubeAccessPolicy.Evaluate(cube, new Scope("acme", "bob")));
        Assert.Equal(CubeAccess.None, CubeAccessPolicy.Evaluate(cube, new Scope("globex", "alice")));
    }

    [Fact]
    public void A_tenant_wide_owner_scope_covers_every_user()
    {
        var cube = Cube(new Scope("acme"));
        Assert.Equal(CubeAccess.ReadWrite, CubeAccessPolicy.Evaluate(cube, new Scope("acme", "bob")));
        Assert.Equal(CubeAccess.None, CubeAccessPolicy.Evaluate(cube, new Scope("globex")));
    }

    [Fact]
    public void Grants_match_on_user_and_agent_and_combine()
    {
        var cube = Cube(new Scope("acme", "alice"), new CubeGrant("bob", null, CubeAccess.Read), new CubeGrant("bob", "planner", CubeAccess.Write), new CubeGrant(null, "auditor", CubeAccess.Read));
        Assert.Equal(CubeAccess.Read, CubeAccessPolicy.Evaluate(cube, new Scope("acme", "bob")));
        Assert.Equal(CubeAccess.ReadWrite, CubeAccessPolicy.Evaluate(cube, new Scope("acme", "bob", "planner")));
        Assert.Equal(CubeAccess.Read, CubeAccessPolicy.Evaluate(cube, new Scope("acme", "carol", "auditor")));
        Assert.Equal(CubeAccess.None, CubeAccessPolicy.Evaluate(cube, new Scope("acme", "carol")));
        Assert.ThrowsAny<Errors.AccessDeniedException>(() => CubeAccessPolicy.Demand(cube, new Scope("acme", "bob"), CubeAccess.Write));
    }
}
