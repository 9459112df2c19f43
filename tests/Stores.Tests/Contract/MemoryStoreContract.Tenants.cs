using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.Retrieval.Lexical;

namespace AgentMem.Stores.Tests.Contract;

/// <summary>The tenant partition: no read or write crosses it, whatever ids, cubes or items the caller passes.</summary>
public abstract partial class MemoryStoreContract
{
    private static readonly string[] TenantWords = ["apple", "river", "piano", "rocket", "garden", "violet", "shared"];

    [SkippableFact]
    public async Task Another_tenant_sees_and_changes_nothing_even_when_it_passes_the_first_tenants_ids()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("main");
        var secret = await s.AddAsync(cube, "acme secret formula", m => m with { Tags = ["secret"] });
        secret = await s.ReplaceAsync(secret, m => m with { Text = "acme secret formula, revised" });
        await s.Store.RecordRecallsAsync(s.Tenant, [secret.Id], s.Now, s.Audit("recall"));
        secret = (await s.Store.GetAsync(s.Tenant, secret.Id))!;
        await s.Store.PutEmbeddingsAsync(s.Tenant, cube.Id, "e1", [new StoredEmbedding(secret.Id, "h", [1f, 2f])]);
        string evil = StoreScenario.NewTenant();
        var evilAudit = s.Audit("attack", cube.Id, secret.Id, tenant: evil);

        Assert.Null(await s.Store.FindCubeAsync(evil, cube.Id));
        Assert.Null(await s.Store.FindCubeAsync(evil, "main"));
        Assert.Empty(await s.Store.ListCubesAsync(evil));
        Assert.Null(await s.Store.GetAsync(evil, secret.Id));
        Assert.Empty(await s.Store.GetManyAsync(evil, [secret.Id]));
        Assert.Empty(await s.Store.GetHistoryAsync(evil, secret.Id));
        Assert.Empty(await s.Store.ListAsync(evil, StoreScenario.AllStates(cube.Id), 100));
        Assert.Empty(await s.Store.ListAsync(evil, StoreScenario.AllStates(), 100));
        Assert.Empty(await s.Store.SearchLexicalAsync(evil, new LexicalQuery(["secret", "formula"], StoreScenario.AllStates(cube.Id), 10)));
        Assert.Empty(await s.Store.ReadAuditAsync(evil));
        Assert.Empty(await s.Store.ReadAuditAsync(evil, new AuditQuery { MemoryId = secret.Id }));
        Assert.Equal(0, await s.Store.GetChangeSequenceAsync(evil, cube.Id));
        Assert.Empty(await s.Store.ReadChangesAsync(evil, cube.Id, 0, 100));
        Assert.Empty(await s.Store.GetEmbeddingsAsync(evil, cube.Id, "e1", null));
        Assert.Empty(await s.Store.GetEmbeddingsAsync(evil, cube.Id, "e1", [secret.Id]));
        Assert.Equal(0, await s.Store.CountWithoutEmbeddingAsync(evil, null, "e2", Enum.GetValues<LifecycleState>()));
        var evilStats = await s.Store.GetStatsAsync(evil, null);
        Assert.Equal((0, 0L, 0L, 0L), (evilStats.Cubes, evilStats.ByState.Values.Sum(), evilStats.SupersededVersions, evilStats.AuditRecords));
        Assert.Equal(0, (await s.Store.GetStatsAsync(evil, cube.Id)).Cubes);

        // Writes aimed at the first tenant's data through the other tenant fail or do nothing.
        Assert.False(await s.Store.PurgeAsync(evil, secret.Id, evilAudit));
        Assert.Empty(await s.Store.RecordRecallsAsync(evil, [secret.Id], s.Now, evilAudit));
        await s.Store.PutEmbeddingsAsync(evil, cube.Id, "e1", [new StoredEmbedding(secret.Id, "forged", [9f, 9f])]);
        var (superseded, next) = s.NextVersion(secret, m => m with { Text = "hijacked" });
        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => s.Store.ReplaceAsync(evil, superseded, next, evilAudit));
        var rescoped = new Scope(evil);
        await Assert.ThrowsAsync<MemoryVersionConflictException>(() => s.Store.ReplaceAsync(evil, superseded with { Scope = rescoped }, next with { Scope = rescoped }, evilAudit));
        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => s.Store.AddAsync(evil, [s.Item(cube, "planted")], new AddOptions(false), evilAudit));
        await Assert.ThrowsAsync<CubeNotFoundException>(() => s.Store.AddAsync(evil, [s.Item(cube, "planted") with { Scope = rescoped }], new AddOptions(false), evilAudit));
        await Assert.ThrowsAsync<CubeNotFoundException>(() => s.Store.UpdateCubeAsync(evil, cube.Id, c => c with { Description = "pwned" }, evilAudit));

        StoreScenario.AssertSameMemory(secret, (await s.Store.GetAsync(s.Tenant, secret.Id))!);
        Assert.Equal(2, (await s.Store.GetHistoryAsync(s.Tenant, secret.Id)).Count);
        Assert.Null((await s.Store.FindCubeAsync(s.Tenant, cube.Id))!.Description);
        var embedding = Assert.Single(await s.Store.GetEmbeddingsAsync(s.Tenant, cube.Id, "e1", null));
        AssertEmbedding("h", [1f, 2f], embedding);
        Assert.Equal(["add", "update", "recall"], (await s.Store.ReadAuditAsync(s.Tenant, new AuditQuery { MemoryId = secret.Id })).Select(a => a.Action));
        Assert.Empty(await s.Store.ReadAuditAsync(evil));
    }

    [SkippableTheory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Random_operations_through_the_facade_never_leak_across_tenants(int seed)
    {
        await using var s = await StartAsync();
        var store = await s.Backend.OpenAsync();
        var memory = new MemoryOS(store, new Bm25Retriever(store));
        var rng = new Random(seed);
        string[] tenants = [s.Tenant + "-acme", s.Tenant + "-globex", s.Tenant + "-initech"];
        var owned = tenants.ToDictionary(t => t, _ => new Dictionary<MemoryId, LifecycleState>());
        foreach (var tenant in tenants)
        {
            // Same cube name in every tenant: names are per tenant too.
            await memory.CreateCubeAsync(new Scope(tenant), "main");
        }

        for (int step = 0; step < 150; step++)
        {
            string tenant = tenants[rng.Next(tenants.Length)];
            var scope = new Scope(tenant);
            var mine = owned[tenant];
            int op = rng.Next(10);
            if (op < 5 || mine.Count == 0)
            {
                string text = $"{TenantWords[rng.Next(TenantWords.Length)]} {TenantWords[rng.Next(TenantWords.Length)]} shared note {step} of {tenant}";
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
            string other = tenants[(Array.IndexOf(tenants, tenant) + 1 + rng.Next(tenants.Length - 1)) % tenants.Length];
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

        var allStates = StoreScenario.AllStates();
        foreach (var tenant in tenants)
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
}
