using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.MemoryCore.Validation;
using AgentMem.Stores.Postgres;
using AgentMem.Stores.Postgres.Schema;
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
    public async Task A_schema_whose_name_needs_quoting_is_set_up_and_reopened()
    {
        // The schema checks cast current_schema() to regnamespace, which folds case: "AgentMem" was looked up as agentmem.
        await using var db = await TempPostgresDatabase.CreateAsync();
        await db.ExecuteAsync("CREATE SCHEMA \"AgentMem\";");
        var options = new PostgresStoreOptions { ConnectionString = new Npgsql.NpgsqlConnectionStringBuilder(db.ConnectionString) { SearchPath = "\"AgentMem\"" }.ConnectionString };
        string tenant = PostgresTestServer.NewTenant();
        await using (var first = await PostgresMemoryStore.OpenAsync(options))
        {
            Assert.Equal(0, first.SchemaVersionAtOpen);
            await first.CreateCubeAsync(Cube(tenant), Audit(tenant, "cube.create"));
        }

        await using var again = await PostgresMemoryStore.OpenAsync(options);
        Assert.Equal(PostgresMemoryStore.LatestSchemaVersion, again.SchemaVersionAtOpen);
        Assert.Single(await again.ListCubesAsync(tenant));
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
    public async Task A_schema_step_runs_past_the_command_timeout_and_is_reported_as_it_starts_and_commits()
    {
        await using var db = await TempPostgresDatabase.CreateAsync();
        string tenant = PostgresTestServer.NewTenant();
        await using (var store = await PostgresMemoryStore.OpenAsync(db.Options()))
        {
            await store.CreateCubeAsync(Cube(tenant), Audit(tenant, "cube.create"));
        }

        await db.ExecuteAsync(
            """
            ALTER TABLE memories DROP COLUMN search_length;
            CREATE INDEX ix_memories_state ON memories(tenant, cube_id, state);
            DELETE FROM schema_migrations WHERE version = 5;
            """ + WithoutCanonicalContentHashes + WithoutValidFromOffsets + WithoutFeedCompaction + WithoutSearchVectorFunction + WithoutTagKeys);

        // Another session reading the table holds step 5's table rewrite back for longer than the command timeout, as a
        // rewrite of a large table would take: the step must wait it out, not be cancelled (and fail every open after it).
        await using var reader = await PostgresTestServer.RawAsync(db.ConnectionString);
        await using var readTx = await reader.BeginTransactionAsync();
        await using (var hold = new Npgsql.NpgsqlCommand("LOCK TABLE memories IN ACCESS SHARE MODE;", reader, readTx))
        {
            await hold.ExecuteNonQueryAsync();
        }

        var steps = new System.Collections.Concurrent.ConcurrentQueue<SchemaStepProgress>();
        var options = db.Options();
        options.CommandTimeout = TimeSpan.FromSeconds(1);
        options.MaxRetries = 0;
        options.SchemaProgress = new SynchronousProgress<SchemaStepProgress>(steps.Enqueue);
        var open = PostgresMemoryStore.OpenAsync(options);

        await using var watch = await PostgresTestServer.RawAsync(db.ConnectionString);
        await using var waiting = new Npgsql.NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'ALTER TABLE memories ADD COLUMN search_length%';",
            watch);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((long)(await waiting.ExecuteScalarAsync())! == 0)
        {
            Assert.False(open.IsCompleted, "the open ended before step 5 reached the table: " + open.Exception?.GetBaseException().Message);
            Assert.True(DateTime.UtcNow < deadline, "step 5 never waited for the table");
            await Task.Delay(50);
        }

        // A second node opening meanwhile waits for the first one's step as long as it takes, and does not apply it again.
        var otherSteps = new System.Collections.Concurrent.ConcurrentQueue<SchemaStepProgress>();
        var otherOptions = db.Options();
        otherOptions.CommandTimeout = options.CommandTimeout;
        otherOptions.MaxRetries = 0;
        otherOptions.SchemaProgress = new SynchronousProgress<SchemaStepProgress>(otherSteps.Enqueue);
        var otherOpen = PostgresMemoryStore.OpenAsync(otherOptions);

        await Task.Delay(options.CommandTimeout * 2);
        Assert.False(open.IsCompleted, "step 5 was cut off by the command timeout: " + open.Exception?.GetBaseException().Message);
        Assert.False(otherOpen.IsCompleted, "the second node stopped waiting: " + otherOpen.Exception?.GetBaseException().Message);
        await readTx.RollbackAsync();

        await using var migrated = await open.WaitAsync(TimeSpan.FromSeconds(60));
        await using var other = await otherOpen.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(4, migrated.SchemaVersionAtOpen);

        // Steps 6 to 11, which follow at once, are each applied by whichever node takes the lock first once the step before
        // has committed: each step is reported once as it starts and once as it commits, each node's in order.
        Assert.InRange(other.SchemaVersionAtOpen, 5, PostgresMemoryStore.LatestSchemaVersion);
        Assert.Equal([(5, false), (5, true), (6, false), (6, true), (7, false), (7, true), (8, false), (8, true), (9, false), (9, true), (10, false), (10, true), (11, false), (11, true)], steps.Concat(otherSteps).Select(s => (s.Version, s.Done)).Order());
        Assert.All(new[] { steps, otherSteps }, reported => Assert.Equal(reported.Select(s => (s.Version, s.Done)).Order(), reported.Select(s => (s.Version, s.Done))));
        Assert.All(steps, s => Assert.Equal((4, PostgresMemoryStore.LatestSchemaVersion, PostgresMigrations.All[s.Version - 1].Name), (s.FromVersion, s.LatestVersion, s.Name)));
        var step5 = steps.Single(s => s is { Version: 5, Done: true });
        Assert.True(step5.Elapsed >= options.CommandTimeout * 2, $"step 5 took {step5.Elapsed}");
        Assert.Equal(migrated.Location, steps.First().Location);
    }

    [SkippableFact]
    public async Task Migration_5_counts_the_words_of_memories_written_before_it()
    {
        await using var db = await TempPostgresDatabase.CreateAsync();
        string tenant = PostgresTestServer.NewTenant();
        var cube = Cube(tenant);
        await using (var store = await PostgresMemoryStore.OpenAsync(db.Options()))
        {
            await store.CreateCubeAsync(cube, Audit(tenant, "cube.create"));
            await store.AddAsync(tenant, [Item(cube, "It was the cat that was there, and it is what it was."), Item(cube, "Cat naps.")], new AddOptions(true), Audit(tenant, "add"));
        }

        // Back to schema version 4, rows kept: reopening applies step 5 to them.
        await db.ExecuteAsync(
            """
            ALTER TABLE memories DROP COLUMN search_length;
            CREATE INDEX ix_memories_state ON memories(tenant, cube_id, state);
            DELETE FROM schema_migrations WHERE version = 5;
            """ + WithoutCanonicalContentHashes + WithoutValidFromOffsets + WithoutFeedCompaction + WithoutSearchVectorFunction + WithoutTagKeys);
        await using var reopened = await PostgresMemoryStore.OpenAsync(db.Options());
        Assert.Equal(4, reopened.SchemaVersionAtOpen);
        await using var raw = await PostgresTestServer.RawAsync(db.ConnectionString);
        await using (var bind = new Npgsql.NpgsqlCommand("SELECT set_config('agentmem.tenant', @t, false);", raw))
        {
            bind.Parameters.AddWithValue("t", tenant);
            await bind.ExecuteNonQueryAsync();
        }

        await using var lengths = new Npgsql.NpgsqlCommand("SELECT text, search_length FROM memories ORDER BY search_length;", raw);
        await using var r = await lengths.ExecuteReaderAsync();
        var counted = new List<(string, int)>();
        while (await r.ReadAsync())
        {
            counted.Add((r.GetString(0), r.GetInt32(1)));
        }

        // Tags and keywords are empty JSON arrays: no words of their own.
        Assert.Equal([("Cat naps.", 2), ("It was the cat that was there, and it is what it was.", 13)], counted);
        await r.CloseAsync();
        await using var index = new Npgsql.NpgsqlCommand("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_memories_state';", raw);
        Assert.EndsWith("(tenant, cube_id, state) INCLUDE (search_length)", (string)(await index.ExecuteScalarAsync())!, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Migration_6_keys_the_tags_of_every_tenant_stored_before_it_as_the_store_compares_them()
    {
        await using var db = await TempPostgresDatabase.CreateAsync();
        string alice = PostgresTestServer.NewTenant();
        string bob = PostgresTestServer.NewTenant();
        await using (var store = await PostgresMemoryStore.OpenAsync(db.Options()))
        {
            foreach (var (tenant, tags) in new[] { (alice, new[] { "Ärger", "\u212A" }), (bob, new[] { "Work" }) })
            {
                var cube = Cube(tenant);
                await store.CreateCubeAsync(cube, Audit(tenant, "cube.create"));
                await store.AddAsync(tenant, [Item(cube, "tagged", o => o.Tags = tags)], new AddOptions(true), Audit(tenant, "add"));
            }
        }

        // Back to schema version 5, rows kept: the keys are lower(tag) again ("ärger", "k", "work"), as step 4 stored them.
        await db.ExecuteAsync(WithoutCanonicalContentHashes + WithoutValidFromOffsets + WithoutFeedCompaction + WithoutSearchVectorFunction + WithoutTagKeys);
        await using var reopened = await PostgresMemoryStore.OpenAsync(db.Options());
        Assert.Equal(5, reopened.SchemaVersionAtOpen);
        Assert.True(reopened.RowLevelSecurityEnforced);

        async Task<int> Tagged(string tenant, string tag) => (await reopened.ListAsync(tenant, new MemoryFilter { AnyTags = [tag] }, 10)).Count;
        Assert.Equal(new[] { 1, 1, 0, 1, 1, 0 }, new[] { await Tagged(alice, "ärger"), await Tagged(alice, "\u212A"), await Tagged(alice, "k"), await Tagged(bob, "WORK"), await Tagged(bob, "work"), await Tagged(alice, "work") });

        // Row-level security binds the owner again, and every key is set.
        await using var raw = await PostgresTestServer.RawAsync(db.ConnectionString);
        await using var check = new Npgsql.NpgsqlCommand(
            "SELECT relforcerowsecurity, (SELECT attnotnull FROM pg_attribute WHERE attrelid = c.oid AND attname = 'tag_key') FROM pg_class c WHERE relname = 'memory_tags';",
            raw);
        await using var r = await check.ExecuteReaderAsync();
        Assert.True(await r.ReadAsync());
        Assert.Equal((true, true), (r.GetBoolean(0), r.GetBoolean(1)));
    }

    [SkippableFact]
    public async Task Migration_7_makes_a_memorys_tags_unique_by_key_and_writes_again_the_tags_lower_had_folded_away()
    {
        await using var db = await TempPostgresDatabase.CreateAsync();
        string tenant = PostgresTestServer.NewTenant();
        var cube = Cube(tenant);
        var item = Item(cube, "tagged", o => o.Tags = ["k", "\u212A"]);
        await using (var store = await PostgresMemoryStore.OpenAsync(db.Options()))
        {
            await store.CreateCubeAsync(cube, Audit(tenant, "cube.create"));
            await store.AddAsync(tenant, [item], new AddOptions(true), Audit(tenant, "add"));
        }

        // Back to schema version 6, where tags were unique by lower(tag) and the Kelvin sign's row was dropped as "k"'s.
        // "σ" and "ς", which lower() keeps apart but which share a key, stand for the rows a database whose lower() folded
        // less than the key holds.
        await db.ExecuteAsync(WithoutCanonicalContentHashes + WithoutValidFromOffsets + WithoutFeedCompaction + WithoutSearchVectorFunction +
            """
            DROP INDEX ux_tags_memory_key;
            DELETE FROM schema_migrations WHERE version = 7;
            """);
        await using var raw = await PostgresTestServer.RawAsync(db.ConnectionString);
        await using (var bind = new Npgsql.NpgsqlCommand("SELECT set_config('agentmem.tenant', @t, false);", raw))
        {
            bind.Parameters.AddWithValue("t", tenant);
            await bind.ExecuteNonQueryAsync();
        }

        await using (var back = new Npgsql.NpgsqlCommand(
            """
            DELETE FROM memory_tags WHERE tag = @kelvin;
            INSERT INTO memory_tags(tenant, memory_id, tag, tag_key) VALUES (@t, @m, 'σ', 'Σ'), (@t, @m, 'ς', 'Σ');
            CREATE UNIQUE INDEX ux_tags_memory ON memory_tags(tenant, memory_id, lower(tag));
            """,
            raw))
        {
            back.Parameters.AddWithValue("kelvin", "\u212A");
            back.Parameters.AddWithValue("t", tenant);
            back.Parameters.AddWithValue("m", item.Id.ToString());
            await back.ExecuteNonQueryAsync();
        }

        await using var reopened = await PostgresMemoryStore.OpenAsync(db.Options());
        Assert.Equal(6, reopened.SchemaVersionAtOpen);
        Assert.True(reopened.RowLevelSecurityEnforced);
        await using (var keys = new Npgsql.NpgsqlCommand("SELECT tag_key FROM memory_tags ORDER BY tag_key COLLATE \"C\";", raw))
        {
            await using var r = await keys.ExecuteReaderAsync();
            var stored = new List<string>();
            while (await r.ReadAsync())
            {
                stored.Add(r.GetString(0));
            }

            Assert.Equal(["K", "Σ", "\u212A"], stored);
        }

        foreach (string tag in new[] { "k", "\u212A" })
        {
            Assert.Equal([item.Id], (await reopened.ListAsync(tenant, new MemoryFilter { AnyTags = [tag] }, 10)).Select(m => m.Id));
        }
    }

    [Fact]
    public void A_server_older_than_postgresql_15_is_refused_by_name_before_any_step()
    {
        var ex = Assert.Throws<StoreUnavailableException>(() => PostgresSchemaManager.RequireSupportedServer(new Version(14, 12), "127.0.0.1:5432/agentmem"));
        Assert.Equal("The PostgreSQL server of 127.0.0.1:5432/agentmem runs version 14.12; AgentMem needs PostgreSQL 15 or later.", ex.Message);
        PostgresSchemaManager.RequireSupportedServer(new Version(15, 0), "x");
        PostgresSchemaManager.RequireSupportedServer(new Version(17, 2), "x");
    }

    [SkippableFact]
    public async Task Migration_8_builds_the_search_vector_of_memories_stored_before_it_and_then_takes_texts_past_the_tsvector_limit()
    {
        await using var db = await TempPostgresDatabase.CreateAsync();
        string tenant = PostgresTestServer.NewTenant();
        var cube = Cube(tenant);
        var old = Item(cube, "Caroline went to the pottery class", o => o.Tags = ["hobby"]);
        await using (var store = await PostgresMemoryStore.OpenAsync(db.Options()))
        {
            await store.CreateCubeAsync(cube, Audit(tenant, "cube.create"));
            await store.AddAsync(tenant, [old], new AddOptions(true), Audit(tenant, "add"));
        }

        // Back to schema version 7, rows kept: the column is to_tsvector over the fields, as step 1 made it.
        await db.ExecuteAsync(WithoutCanonicalContentHashes + WithoutValidFromOffsets + WithoutFeedCompaction + WithoutSearchVectorFunction);
        await using var reopened = await PostgresMemoryStore.OpenAsync(db.Options());
        Assert.Equal(7, reopened.SchemaVersionAtOpen);
        var inCube = new MemoryFilter { CubeId = cube.Id };
        Assert.Equal([old.Id], (await reopened.SearchLexicalAsync(tenant, new LexicalQuery(["pottery"], inCube, 10))).Select(h => h.Item.Id));
        Assert.Equal([old.Id], (await reopened.SearchLexicalAsync(tenant, new LexicalQuery(["hobby"], inCube, 10))).Select(h => h.Item.Id));

        // 200,000 distinct words: about 2.6 MB of vector, where PostgreSQL's limit is 1 MiB.
        var random = new Random(8);
        var log = Item(cube, "zeppelin " + string.Join(' ', Enumerable.Range(0, 200_000).Select(_ => string.Concat(Enumerable.Range(0, 8).Select(_ => (char)('a' + random.Next(26)))))));
        await reopened.AddAsync(tenant, [log], new AddOptions(true), Audit(tenant, "add"));
        Assert.Equal([log.Id], (await reopened.SearchLexicalAsync(tenant, new LexicalQuery(["zeppelin"], inCube, 10))).Select(h => h.Item.Id));
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

    [SkippableFact]
    public async Task Migration_9_leaves_one_change_feed_entry_per_memory_of_every_tenant_and_keeps_the_cubes_sequence()
    {
        await using var db = await TempPostgresDatabase.CreateAsync();
        var memories = new[] { PostgresTestServer.NewTenant(), PostgresTestServer.NewTenant() }.Select(tenant =>
        {
            var cube = Cube(tenant);
            return (Tenant: tenant, Cube: cube, Item: Item(cube, "recalled often"));
        }).ToArray();
        await using (var store = await PostgresMemoryStore.OpenAsync(db.Options()))
        {
            foreach (var (tenant, cube, item) in memories)
            {
                await store.CreateCubeAsync(cube, Audit(tenant, "cube.create"));
                await store.AddAsync(tenant, [item], new AddOptions(true), Audit(tenant, "add"));
            }
        }

        // Back to schema version 8, where every write appended an entry: each memory is recalled three times (as the
        // store records a recall, an update of its counters), which left four entries.
        await db.ExecuteAsync(WithoutCanonicalContentHashes + WithoutValidFromOffsets + WithoutFeedCompaction);
        var seen = new List<long>();
        await using (var raw8 = await PostgresTestServer.RawAsync(db.ConnectionString))
        {
            foreach (var (tenant, cube, item) in memories)
            {
                await using var recall = new Npgsql.NpgsqlCommand(
                    """
                    SELECT set_config('agentmem.tenant', @t, false);
                    UPDATE memories SET recall_count = recall_count + 1 WHERE tenant = @t AND id = @m;
                    UPDATE memories SET recall_count = recall_count + 1 WHERE tenant = @t AND id = @m;
                    UPDATE memories SET recall_count = recall_count + 1 WHERE tenant = @t AND id = @m;
                    SELECT count(*) FROM memory_changes WHERE tenant = @t AND cube_id = @c;
                    SELECT seq FROM change_counters WHERE tenant = @t AND cube_id = @c;
                    """,
                    raw8);
                recall.Parameters.AddWithValue("t", tenant);
                recall.Parameters.AddWithValue("m", item.Id.ToString());
                recall.Parameters.AddWithValue("c", cube.Id);
                await using var r = await recall.ExecuteReaderAsync();
                await r.NextResultAsync();
                Assert.True(await r.ReadAsync());
                Assert.Equal(4L, r.GetInt64(0));
                await r.NextResultAsync();
                Assert.True(await r.ReadAsync());
                seen.Add(r.GetInt64(0));
            }
        }

        await using var reopened = await PostgresMemoryStore.OpenAsync(db.Options());
        Assert.Equal(8, reopened.SchemaVersionAtOpen);
        Assert.True(reopened.RowLevelSecurityEnforced);
        foreach (var ((tenant, cube, item), last) in memories.Zip(seen))
        {
            var entry = Assert.Single(await reopened.ReadChangesAsync(tenant, cube.Id, 0, 100));
            Assert.Equal((item.Id, false, last), (entry.MemoryId, entry.Purged, entry.Sequence));
            Assert.Equal(last, await reopened.GetChangeSequenceAsync(tenant, cube.Id));
        }

        await using var raw = await PostgresTestServer.RawAsync(db.ConnectionString);
        await using var forced = new Npgsql.NpgsqlCommand("SELECT relforcerowsecurity FROM pg_class WHERE relname = 'memory_changes';", raw);
        Assert.True((bool)(await forced.ExecuteScalarAsync())!);
    }

    [SkippableFact]
    public async Task Migration_10_reads_event_starts_stored_before_it_in_utc_and_keeps_the_offsets_of_later_ones()
    {
        await using var db = await TempPostgresDatabase.CreateAsync();
        string tenant = PostgresTestServer.NewTenant();
        var cube = Cube(tenant);
        var hawaii = new DateTimeOffset(2024, 5, 7, 20, 0, 0, TimeSpan.FromHours(-10));
        var old = Item(cube, "We went to the beach together") with { ValidFrom = hawaii };
        await using (var store = await PostgresMemoryStore.OpenAsync(db.Options()))
        {
            await store.CreateCubeAsync(cube, Audit(tenant, "cube.create"));
            await store.AddAsync(tenant, [old], new AddOptions(true), Audit(tenant, "add"));
        }

        // Back to schema version 9, rows kept: the instant alone, as timestamptz holds it.
        await db.ExecuteAsync(WithoutCanonicalContentHashes + WithoutValidFromOffsets);
        await using var reopened = await PostgresMemoryStore.OpenAsync(db.Options());
        Assert.Equal(9, reopened.SchemaVersionAtOpen);
        var read = (await reopened.GetAsync(tenant, old.Id))!;
        Assert.Equal((hawaii, TimeSpan.Zero), (read.ValidFrom, read.ValidFrom!.Value.Offset));

        var later = Item(cube, "We watched the sunset") with { ValidFrom = hawaii.AddHours(1) };
        await reopened.AddAsync(tenant, [later], new AddOptions(true), Audit(tenant, "add"));
        Assert.Equal(hawaii.Offset, (await reopened.GetAsync(tenant, later.Id))!.ValidFrom!.Value.Offset);
    }

    /// <summary>Undoes step 10: event starts lose their offsets and read back in UTC.</summary>
    private const string WithoutValidFromOffsets = """
        ALTER TABLE memories DROP COLUMN valid_from_offset;
        DELETE FROM schema_migrations WHERE version = 10;

        """;

    [SkippableFact]
    public async Task Migration_11_recomputes_the_content_hashes_of_every_tenant_that_line_breaks_or_a_byte_order_mark_changed()
    {
        await using var db = await TempPostgresDatabase.CreateAsync();
        string[] texts = ["line one\r\nline two", "\uFEFFfirst\nsecond", "plain words"];
        var memories = texts.Select(text =>
        {
            string tenant = PostgresTestServer.NewTenant();
            var cube = Cube(tenant);
            return (Tenant: tenant, Cube: cube, Item: Item(cube, text) with { ContentHash = ContentRules.ComputeHash(MemoryKind.Plaintext, text, null) });
        }).ToArray();
        await using (var store = await PostgresMemoryStore.OpenAsync(db.Options()))
        {
            foreach (var (tenant, cube, item) in memories)
            {
                await store.CreateCubeAsync(cube, Audit(tenant, "cube.create"));
                await store.AddAsync(tenant, [item], new AddOptions(true), Audit(tenant, "add"));
            }
        }

        // Back to schema version 10, with the hashes it stored: the text trimmed and in NFC, line breaks and a byte order
        // mark as written.
        await db.ExecuteAsync(WithoutCanonicalContentHashes + string.Concat(memories.Select(m =>
            $"SELECT set_config('agentmem.tenant', '{m.Tenant}', false); UPDATE memories SET content_hash = '{SchemaTests.LegacyHash(m.Item.Text)}' WHERE id = '{m.Item.Id}';\n")));
        await using var reopened = await PostgresMemoryStore.OpenAsync(db.Options());
        Assert.Equal(10, reopened.SchemaVersionAtOpen);
        Assert.True(reopened.RowLevelSecurityEnforced);

        foreach (var ((tenant, cube, item), copy) in memories.Zip(new[] { "line one\nline two", "first\nsecond", "plain words" }))
        {
            var again = Item(cube, copy) with { ContentHash = ContentRules.ComputeHash(MemoryKind.Plaintext, copy, null) };
            var outcome = Assert.Single(await reopened.AddAsync(tenant, [again], new AddOptions(true), Audit(tenant, "add")));
            Assert.Equal((false, item.Id), (outcome.Created, outcome.Id));
        }

        await using var raw = await PostgresTestServer.RawAsync(db.ConnectionString);
        await using var forced = new Npgsql.NpgsqlCommand("SELECT bool_and(relforcerowsecurity) FROM pg_class WHERE relname IN ('memories', 'change_counters', 'memory_changes');", raw);
        Assert.True((bool)(await forced.ExecuteScalarAsync())!);
    }

    [SkippableFact]
    public async Task The_content_hash_rewrite_walks_every_page_writes_only_the_hashes_that_changed_and_keeps_copies_stored_twice()
    {
        await using var db = await TempPostgresDatabase.CreateAsync();

        // Per tenant, with the hashes a version-10 database stored: a CRLF and an LF copy of one note (two memories then), a
        // text after a byte order mark, one after a no-break space and a zero width space, and two whose hashes stay.
        string[] texts = ["line one\r\nline two", "line one\nline two", "\uFEFFfirst\nsecond", "\u00A0\u200Bspaced\rout", "Ärger im Büro", "plain words"];
        var rows = new List<(string Tenant, MemCube Cube, MemoryItem Item)>();
        await using var store = await PostgresMemoryStore.OpenAsync(db.Options());
        for (int t = 0; t < 2; t++)
        {
            var (tenant, cube) = await PostgresTestServer.NewCubeAsync(store);
            foreach (string text in texts)
            {
                var item = Item(cube, text) with { ContentHash = SchemaTests.LegacyHash(text) };
                Assert.True(Assert.Single(await store.AddAsync(tenant, [item], new AddOptions(true), Audit(tenant, "add"))).Created);
                rows.Add((tenant, cube, item));
            }
        }

        // The step's SQL and its rewrite, in pages of a few rows: 8 candidate rows, 6 of them rewritten (of each tenant's,
        // "Ärger im Büro" is read but hashes as before; "plain words" and the ASCII text with LF line breaks are not read at all).
        await using var raw = await PostgresTestServer.RawAsync(db.ConnectionString);
        async Task RewriteAsync(int pageSize)
        {
            await using var tx = await raw.BeginTransactionAsync();
            await using (var unforce = new Npgsql.NpgsqlCommand(PostgresMigrations.All[10].Sql, raw, tx))
            {
                await unforce.ExecuteNonQueryAsync();
            }

            await PostgresContentHashStep.RewriteAsync(raw, tx, pageSize, CancellationToken.None);
            await tx.CommitAsync();
        }

        async Task<long[]> ChangeSequencesAsync() =>
            await Task.WhenAll(rows.DistinctBy(r => r.Cube.Id).Select(r => store.GetChangeSequenceAsync(r.Tenant, r.Cube.Id)));

        long[] before = await ChangeSequencesAsync();
        await RewriteAsync(pageSize: 2);
        long[] after = await ChangeSequencesAsync();
        Assert.All(before.Zip(after), p => Assert.Equal(p.First + 3, p.Second)); // three rows of each tenant written

        foreach (var (tenant, _, item) in rows)
        {
            var stored = (await store.GetAsync(tenant, item.Id))!;
            Assert.Equal(ContentRules.ComputeHash(MemoryKind.Plaintext, item.Text, null), stored.ContentHash);
        }

        // Both copies of the note stay memories of their own, with one hash now.
        foreach (var tenantRows in rows.GroupBy(r => r.Tenant))
        {
            var copies = await Task.WhenAll(tenantRows.Take(2).Select(r => store.GetAsync(tenantRows.Key, r.Item.Id)));
            Assert.Equal(2, copies.Select(m => m!.Id).Distinct().Count());
            Assert.Single(copies.Select(m => m!.ContentHash).Distinct());
        }

        // Run again, a row a page: nothing is written, and row-level security is forced again.
        await RewriteAsync(pageSize: 1);
        Assert.Equal(after, await ChangeSequencesAsync());
        await using var forced = new Npgsql.NpgsqlCommand("SELECT bool_and(relforcerowsecurity) FROM pg_class WHERE relname IN ('memories', 'change_counters', 'memory_changes');", raw);
        Assert.True((bool)(await forced.ExecuteScalarAsync())!);
    }

    /// <summary>Undoes step 11's record: the step rewrites a hash only where it differs from the one the store computes now.</summary>
    private const string WithoutCanonicalContentHashes = """
        DELETE FROM schema_migrations WHERE version = 11;

        """;

    /// <summary>Undoes step 9: every write appends a change-feed entry and deletes none, as step 1's function did.</summary>
    private static readonly string WithoutFeedCompaction =
        "DROP INDEX ix_changes_memory;\n"
        + PostgresMigrations.RecordChangeFunction("CREATE OR REPLACE FUNCTION", dropsOlderEntries: false)
        + "\nDELETE FROM schema_migrations WHERE version = 9;\n\n";

    /// <summary>Undoes step 8: the search vector is step 1's expression again, computed for the rows kept.</summary>
    private const string WithoutSearchVectorFunction = """
        ALTER TABLE memories DROP COLUMN search_vector;
        ALTER TABLE memories ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('english'::regconfig, text), 'A') ||
            setweight(to_tsvector('english'::regconfig, tags_json), 'B') ||
            setweight(to_tsvector('english'::regconfig, keywords_json), 'B') ||
            setweight(to_tsvector('english'::regconfig, coalesce(actor, '')), 'C') ||
            setweight(to_tsvector('english'::regconfig, coalesce(context, '')), 'D')) STORED;
        CREATE INDEX ix_memories_search ON memories USING gin(search_vector);
        DROP FUNCTION agentmem_search_vector(text, jsonb, jsonb, text, text);
        DELETE FROM schema_migrations WHERE version = 8;

        """;

    /// <summary>
    /// Undoes steps 6 and 7 (the tag key is lower(tag) again, tags unique by lower(tag); dropping the column drops step 7's
    /// index), for a test that takes the database back to an earlier version.
    /// </summary>
    private const string WithoutTagKeys = """
        ALTER TABLE memory_tags DROP COLUMN tag_key;
        ALTER TABLE memory_tags ADD COLUMN tag_key text GENERATED ALWAYS AS (lower(tag)) STORED;
        CREATE INDEX ix_tags_key ON memory_tags(tenant, tag_key);
        CREATE UNIQUE INDEX ux_tags_memory ON memory_tags(tenant, memory_id, lower(tag));
        DELETE FROM schema_migrations WHERE version IN (6, 7);
        """;
}
