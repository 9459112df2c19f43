using AgentMem.MemoryCore.Model;

namespace AgentMem.Stores.Tests.Contract;

/// <summary>Counts for a tenant or one cube of it.</summary>
public abstract partial class MemoryStoreContract
{
    [SkippableFact]
    public async Task Stats_count_cubes_states_kinds_of_kept_content_versions_and_audit_lines()
    {
        await using var s = await StartAsync();
        var a = await s.CreateCubeAsync("a");
        var b = await s.CreateCubeAsync("b");
        await s.AddAsync(a, "active plaintext");
        await s.SetStateAsync(await s.AddAsync(a, "archived plaintext"), LifecycleState.Archived, "faded");
        await s.SetStateAsync(await s.AddAsync(a, "deleted plaintext"), LifecycleState.Deleted, "wrong");
        var payload = new PayloadRef("file:///tmp/x.cart", "application/x-agentmem-cartridge", 1, new string('d', 64));
        await s.AddAsync([s.Item(a, "an activation", MemoryKind.Activation, payload)]);
        await s.SetStateAsync(await s.AddAsync(b, "frozen plaintext"), LifecycleState.Frozen, "hold");
        var audit = await s.Store.ReadAuditAsync(s.Tenant);

        var tenant = await s.Store.GetStatsAsync(s.Tenant, null);
        Assert.Equal(2, tenant.Cubes);
        Assert.Equal((2L, 1L, 1L, 1L, 0L), Counts(tenant.ByState));

        // Kinds count the content a cube keeps: active, archived and frozen memories (as de-duplication and item limits do).
        Assert.Equal(3, tenant.ByKind.GetValueOrDefault(MemoryKind.Plaintext));
        Assert.Equal(1, tenant.ByKind.GetValueOrDefault(MemoryKind.Activation));
        Assert.Equal(0, tenant.ByKind.GetValueOrDefault(MemoryKind.Parametric));
        Assert.Equal(3, tenant.SupersededVersions);
        Assert.Equal(audit.Count, tenant.AuditRecords);
        Assert.True(tenant.StorageBytes is null or >= 0);

        var cube = await s.Store.GetStatsAsync(s.Tenant, a.Id);
        Assert.Equal(1, cube.Cubes);
        Assert.Equal((2L, 1L, 1L, 0L, 0L), Counts(cube.ByState));
        Assert.Equal(2, cube.ByKind.GetValueOrDefault(MemoryKind.Plaintext));
        Assert.Equal(2, cube.SupersededVersions);
        Assert.Equal(audit.Count(r => r.CubeId == a.Id), cube.AuditRecords);

        var none = await s.Store.GetStatsAsync(StoreScenario.NewTenant(), null);
        Assert.Equal((0, 0L, 0L), (none.Cubes, none.ByState.Values.Sum(), none.AuditRecords));
    }

    private static (long Active, long Archived, long Deleted, long Frozen, long Superseded) Counts(IReadOnlyDictionary<LifecycleState, long> byState) => (
        byState.GetValueOrDefault(LifecycleState.Active),
        byState.GetValueOrDefault(LifecycleState.Archived),
        byState.GetValueOrDefault(LifecycleState.Deleted),
        byState.GetValueOrDefault(LifecycleState.Frozen),
        byState.GetValueOrDefault(LifecycleState.Superseded));
}
