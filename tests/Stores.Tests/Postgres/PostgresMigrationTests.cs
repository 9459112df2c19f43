using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Ports;
using AgentMem.Stores.Postgres;
using static AgentMem.Stores.Tests.Postgres.PostgresTestData;

namespace AgentMem.Stores.Tests.Postgres;

/// <summary>Schema set-up and forward-only migrations, each on a database of its own.</summary>
public sealed class PostgresMigrationTests
{
    [SkippableFact]
    public async Task A_fresh_database_gets_the_latest_schema_and_reopening_changes_nothing()
    {
        await using var db = await TempPostgresDatabase.CreateAsync();
        string tenant = PostgresTestServer.NewTenant();
        await using (var first = await PostgresMemoryStore.OpenAsync(db.Options()))
        {
            Assert.Equal(0, first.SchemaVersionAtOpen);
            Assert.True(first.RowLevelSecurityEnforced);
            Assert.DoesNotContain("password", first.Location, StringComparison.OrdinalIgnoreCase);
            Assert.EndsWith("/" + db.Name, first.Location, StringComparison.Ordinal);
            await first.CreateCubeAsync(Cube(tenant), Audit(tenant, "cube.create"));
        }

        await using var again = await PostgresMemoryStore.OpenAsync(db.Options());
        Assert.Equal(PostgresMemoryStore.LatestSchemaVersion, again.SchemaVersionAtOpen);
        Assert.Single(await again.ListCubesAsync(tenant));
        await using var raw = await PostgresTestServer.RawAsync(db.ConnectionString);
        await using var count = new Npgsql.NpgsqlCommand("SELECT count(*) FROM schema_migrations;", raw);
        Assert.Equal((long)PostgresMemoryStore.LatestSchemaVersion, await count.ExecuteScalarAsync());
    }

    [SkippableFact]
    public async Task Nodes_opening_a_new_database_at_once_all_succeed_and_migrate_it_once()
    {
        await using var db = await TempPostgresDatabase.CreateAsync();
        var opens = Enumerable.Range(0, 6).Select(_ => Task.Run(() => PostgresMemoryStore.OpenAsync(db.Options()))).ToList();
        var stores = await Task.WhenAll(opens);
        try
        {
            Assert.Equal(1, stores.Count(s => s.SchemaVersionAtOpen == 0));
            // A node that came in between two steps another node applied saw the version in between; exactly one found it new.
            Assert.All(stores, s => Assert.InRange(s.SchemaVersionAtOpen, 0, PostgresMemoryStore.LatestSchemaVersion));
            string tenant = PostgresTestServer.NewTenant();
            await stores[0].CreateCubeAsync(Cube(tenant), Audit(tenant, "cube.create"));
            Assert.Single(await stores[^1].ListCubesAsync(tenant));
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [SkippableFact]
    public async Task A_schema_newer_than_the_build_is_refused()
    {
        await using var db = await TempPostgresDatabase.CreateAsync();
        await (await PostgresMemoryStore.OpenAsync(db.Options())).DisposeAsync();
        int future = PostgresMemoryStore.LatestSchemaVersion + 1;
        await db.ExecuteAsync($"INSERT INTO schema_migrations(version, name, applied_at) VALUES ({future}, 'from the future', now());");
        var ex = await Assert.ThrowsAsync<SchemaVersionException>(() => PostgresMemoryStore.OpenAsync(db.Options()));
        Assert.Contains($"schema version {future}", ex.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Tables_of_another_application_are_refused()
    {
        await using (var db = await TempPostgresDatabase.CreateAsync())
        {
            await db.ExecuteAsync("CREATE TABLE memories(id int);");
            var ex = await Assert.ThrowsAsync<StoreFormatException>(() => PostgresMemoryStore.OpenAsync(db.Options()));
            Assert.Contains("'memories'", ex.Message, StringComparison.Ordinal);
        }

        await using (var db = await TempPostgresDatabase.CreateAsync())
        {
            // What Rails leaves behind.
            await db.ExecuteAsync("CREATE TABLE schema_migrations(version varchar PRIMARY KEY);");
            await Assert.ThrowsAsync<StoreFormatException>(() => PostgresMemoryStore.OpenAsync(db.Options()));
        }
    }

    [SkippableFact]
    public async Task The_open_store_uses_its_pool_options_and_writes_through_them()
    {
        await using var store = await PostgresTestServer.OpenAsync(o =>
        {
            o.MaxPoolSize = 2;
            o.CommandTimeout = TimeSpan.FromSeconds(5);
            o.ApplicationName = "agentmem-test";
        });
        var (tenant, cube) = await PostgresTestServer.NewCubeAsync(store);

        // More concurrent operations than connections: they queue for the pool, none fails.
        await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            store.AddAsync(tenant, [Item(cube, $"fact {i}")], new AddOptions(true), Audit(tenant, "add"))));
        Assert.Equal(10, (await store.ListAsync(tenant, new MemoryFilter(), 100)).Count);
    }
}
