using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;

namespace AgentMem.Stores.Tests;

/// <summary>
/// Random operations over several tenants (fixed seeds): no read path, whatever its filters, may ever
/// return a memory of another tenant, and every tenant keeps seeing exactly its own.
/// </summary>
public sealed class TenantIsolationTests
{
    private static readonly string[] Tenants = ["acme", "globex", "initech"];
    private static readonly string[] Words = ["apple", "river", "piano", "rocket", "garden", "violet", "shared"];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Random_operations_never_leak_across_tenants(int seed)
    {
        await using var db = new TestDatabase();
        var memory = db.OpenMemory();
        var rng = new Random(seed);
        var owned = Tenants.ToDictionary(t => t, _ => new Dictionary<MemoryId, LifecycleState>());
        foreach (var tenant in Tenants)
        {
            // Same cube name in every tenant: names are per tenant too.
            await memory.CreateCubeAsync(new Scope(tenant), "main");
        }

        for (int step = 0; step < 150; step++)
        {
            string tenant = Tenants[rng.Next(Tenants.Length)];
            var scope = new Scope(tenant);
            var mine = owned[tenant];
            int op = rng.Next(10);
            if (op < 5 || mine.Count == 0)
            {
                string text = $"{Words[rng.Next(Words.Length)]} {Words[rng.Next(Words.Length)]} shared note {step} of {tenant}";
                var drafts = Enumerable.Range(0, 1 + rng.Next(3)).Select(i => new MemoryDraft($"{text} #{i}") { Tags = ["shared"] }).ToList();
                foreach (var o in await memory.AddBatchAsync(scope, "main", drafts))
                {
                    mine[o.Id] = LifecycleState.Active;
                }
            }
            else
            {
                var id = mine.Keys.ElementAt(rng.Next(mine.Count));
                switch (op)
                {
                    case 5 or 6 when mine[id] == LifecycleState.Active:
                        await memory.UpdateAsync(scope, id, new MemoryChange { Text = $"shared rewrite {step} of {tenant}", Reason = "random" });
                        break;
                    case 7 when mine[id] == LifecycleState.Active:
                        await memory.DeleteAsync(scope, id);
                        mine[id] = LifecycleState.Deleted;
                        break;
                    case 8 when mine[id] != LifecycleState.Frozen:
                        await memory.PurgeAsync(scope, id);
                        mine.Remove(id);
                        break;
                    case 9 when mine[id] == LifecycleState.Active:
                        await memory.SetStateAsync(scope, id, LifecycleState.Frozen);
                        mine[id] = LifecycleState.Frozen;
                        break;
                }
            }

            // Attack: try this tenant's scope on another tenant's ids.
            string other = Tenants[(Array.IndexOf(Tenants, tenant) + 1 + rng.Next(Tenants.Length - 1)) % Tenants.Length];
            if (owned[other].Count > 0)
            {
                var foreign = owned[other].Keys.ElementAt(rng.Next(owned[other].Count));
                await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.GetAsync(scope, foreign));
                await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.GetHistoryAsync(scope, foreign));
                await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.UpdateAsync(scope, foreign, new MemoryChange { Text = "hijack" }));
                await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.DeleteAsync(scope, foreign));
                await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.PurgeAsync(scope, foreign));
            }
        }

        var allStates = new MemoryFilter { States = Enum.GetValues<LifecycleState>() };
        foreach (var tenant in Tenants)
        {
            var scope = new Scope(tenant);
            var mine = owned[tenant];
            Assert.NotEmpty(mine);
            var listed = new HashSet<MemoryId>();
            await foreach (var item in memory.ListAsync(scope, "main", allStates))
            {
                Assert.Equal(tenant, item.Scope.Tenant);
                listed.Add(item.Id);
            }

            Assert.Equal(mine.Keys.ToHashSet(), listed);
            foreach (var query in new[] { "shared", "shared note rewrite apple river piano rocket garden violet" })
            {
                var hits = await memory.SearchAsync(scope, "main", query, k: 1000, filter: allStates);
                Assert.All(hits, h => Assert.True(mine.ContainsKey(h.Item.Id), $"search in {tenant} returned a foreign memory"));
            }

            foreach (var (id, _) in mine)
            {
                Assert.All(await memory.GetHistoryAsync(scope, id), v => Assert.Equal(tenant, v.Scope.Tenant));
            }

            var stats = await memory.GetStatsAsync(scope);
            Assert.Equal(mine.Count, stats.ByState.Values.Sum());
            Assert.All(await memory.GetAuditAsync(scope), a => Assert.Equal(tenant, a.Tenant));
        }
    }

    [Fact]
    public async Task The_store_itself_refuses_cross_tenant_access_whatever_the_caller_passes()
    {
        await using var db = new TestDatabase();
        var memory = db.OpenMemory();
        var acme = new Scope("acme");
        var cube = await memory.CreateCubeAsync(acme, "main");
        var id = (await memory.AddAsync(acme, "main", new MemoryDraft("acme secret formula"))).Id;
        var item = await memory.GetAsync(acme, id);
        await using var store = db.OpenStore();

        Assert.Null(await store.GetAsync("globex", id));
        Assert.Empty(await store.GetHistoryAsync("globex", id));
        Assert.Null(await store.FindCubeAsync("globex", cube.Id));
        Assert.Empty(await store.ListAsync("globex", new MemoryFilter { CubeId = cube.Id }, 100));
        Assert.Empty(await store.SearchLexicalAsync("globex", new LexicalQuery(["secret"], new MemoryFilter { CubeId = cube.Id }, 10)));
        Assert.False(await store.PurgeAsync("globex", id, new AuditRecord(DateTimeOffset.UtcNow, "globex", null, null, "purge", null, null, null, null)));
        var audit = new AuditRecord(DateTimeOffset.UtcNow, "globex", null, null, "update", null, null, null, null);
        await Assert.ThrowsAsync<AccessDeniedException>(() => store.ReplaceAsync("globex", item with { State = LifecycleState.Superseded }, item with { Version = 2 }, audit));
        await Assert.ThrowsAsync<AccessDeniedException>(() => store.AddAsync("globex", [item with { Id = MemoryId.NewId() }], new AddOptions(false), audit));
        Assert.Equal("acme secret formula", (await store.GetAsync("acme", id))!.Text);
    }
}
