using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.Stores.Postgres;
using AgentMem.TestSupport;
using Npgsql;
using static AgentMem.Stores.Tests.Postgres.PostgresTestData;

namespace AgentMem.Stores.Tests.Postgres;

/// <summary>Every <see cref="IMemoryStore"/> method against a real server, and what the database itself enforces.</summary>
public sealed class PostgresMemoryStoreTests
{
    [SkippableFact]
    public async Task Every_store_method_round_trips()
    {
        await using var store = await PostgresTestServer.OpenAsync();
        string tenant = PostgresTestServer.NewTenant();
        var cube = Cube(tenant);
        await store.CreateCubeAsync(cube, Audit(tenant, "cube.create", cube.Id));

        Assert.Equal(cube.Id, (await store.FindCubeAsync(tenant, "notes"))!.Id);
        var found = (await store.FindCubeAsync(tenant, cube.Id))!;
        Assert.Equal(cube.Grants, found.Grants);
        Assert.Equal(cube.Policy, found.Policy);
        Assert.Equal(cube.CreatedAt, found.CreatedAt);
        Assert.Equal(cube.Owner, found.Owner);
        Assert.Null(await store.FindCubeAsync(tenant, "missing"));
        await Assert.ThrowsAsync<CubeAlreadyExistsException>(() => store.CreateCubeAsync(Cube(tenant), Audit(tenant, "cube.create")));
        await store.UpdateCubeAsync(tenant, cube.Id, c => c with { Description = "renamed" }, Audit(tenant, "cube.update", cube.Id));
        Assert.Equal("renamed", Assert.Single(await store.ListCubesAsync(tenant)).Description);
        await Assert.ThrowsAsync<CubeNotFoundException>(() => store.UpdateCubeAsync(tenant, Cube(tenant, "ghost").Id, c => c, Audit(tenant, "cube.update")));

        var target = Item(cube, "The target of a link");
        var item = Item(cube, "Alice prefers tea in the morning", o =>
        {
            o.Tags = ["drinks", "Morning"];
            o.Keywords = ["tea"];
            o.Context = "breakfast talk";
            o.Actor = "Alice";
            o.Session = "s1";
            o.Links = [new MemoryLink(target.Id, "related", 0.5, "shared words"), new MemoryLink(target.Id, "supports")];
        });
        // The same words from the same speaker (the de-duplication key holds the actor) are the memory already stored.
        var outcomes = await store.AddAsync(tenant, [target, item, Item(cube, "Alice prefers tea in the morning", o => o.Actor = "Alice")], new AddOptions(Deduplicate: true), Audit(tenant, "add"));
        Assert.Equal([new AddOutcome(target.Id, true), new AddOutcome(item.Id, true), new AddOutcome(item.Id, false)], outcomes);
        await Assert.ThrowsAsync<CubeNotFoundException>(() => store.AddAsync(tenant, [Item(Cube(tenant, "nope"), "x")], new AddOptions(true), Audit(tenant, "add")));
        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => store.AddAsync(PostgresTestServer.NewTenant(), [Item(cube, "y")], new AddOptions(true), Audit(tenant, "add")));

        var got = (await store.GetAsync(tenant, item.Id))!;
        Assert.Equal(item.Text, got.Text);
        Assert.Equal(item.Scope, got.Scope);
        Assert.Equal(item.Provenance, got.Provenance);
        Assert.Equal(item.ValidFrom, got.ValidFrom);
        Assert.Equal(item.UpdatedAt, got.UpdatedAt);
        Assert.Equal(item.Tags, got.Tags);
        Assert.Equal(item.Keywords, got.Keywords);
        Assert.Equal(item.Context, got.Context);
        Assert.Equal(item.Importance, got.Importance);
        Assert.Equal(item.Links, got.Links);
        Assert.Null(await store.GetAsync(tenant, MemoryId.NewId()));
        Assert.Equal([item.Id, target.Id], (await store.GetManyAsync(tenant, [item.Id, MemoryId.NewId(), target.Id])).Select(m => m.Id));

        var superseded = got with { State = LifecycleState.Superseded, StateReason = "edited" };
        var next = got with { Version = 2, Text = "Alice prefers green tea", ContentHash = Hash("Alice prefers green tea"), Tags = ["drinks"], Links = [], UpdatedAt = Now.AddMinutes(1) };
        await store.ReplaceAsync(tenant, superseded, next, Audit(tenant, "update", cube.Id));
        await Assert.ThrowsAsync<MemoryVersionConflictException>(() => store.ReplaceAsync(tenant, superseded, next, Audit(tenant, "update", cube.Id)));
        var history = await store.GetHistoryAsync(tenant, item.Id);
        Assert.Equal([1, 2], history.Select(h => h.Version));
        Assert.Equal(LifecycleState.Superseded, history[0].State);
        Assert.Equal("Alice prefers tea in the morning", history[0].Text);
        Assert.Equal(item.Links, history[0].Links);
        Assert.Empty(history[1].Links);
        Assert.Empty(await store.GetHistoryAsync(tenant, MemoryId.NewId()));

        var listed = await store.ListAsync(tenant, new MemoryFilter { CubeId = cube.Id }, 10);
        Assert.Equal([target.Id, item.Id], listed.Select(m => m.Id));
        Assert.Equal([item.Id], (await store.ListAsync(tenant, new MemoryFilter { CubeId = cube.Id }, 10, after: target.Id)).Select(m => m.Id));
        Assert.Equal([item.Id], (await store.ListAsync(tenant, new MemoryFilter { AnyTags = ["DRINKS"] }, 10)).Select(m => m.Id));
        Assert.Empty(await store.ListAsync(tenant, new MemoryFilter { AnyTags = ["morning"] }, 10)); // the tag left with version 1
        Assert.Equal([item.Id], (await store.ListAsync(tenant, new MemoryFilter { Session = "s1", User = "alice", Agent = "agent-1", Kind = MemoryKind.Plaintext }, 10)).Select(m => m.Id));
        Assert.Equal(2, (await store.ListAsync(tenant, new MemoryFilter { ValidFromOrAfter = Now.AddDays(-2), ValidFromBefore = Now }, 10)).Count);
        Assert.Empty(await store.ListAsync(tenant, new MemoryFilter { ValidFromOrAfter = Now }, 10));

        var hits = await store.SearchLexicalAsync(tenant, new LexicalQuery(["green", "unrelated"], new MemoryFilter { CubeId = cube.Id }, 5));
        Assert.Equal(item.Id, Assert.Single(hits).Item.Id);
        Assert.True(hits[0].Score > 0);

        var recalls = await store.RecordRecallsAsync(tenant, [item.Id, item.Id, MemoryId.NewId()], Now.AddDays(3), Audit(tenant, "recall"));
        var recall = Assert.Single(recalls);
        Assert.Equal(1, recall.RecallCount);
        Assert.True(recall.Strength > 1.0);
        var recalled = (await store.GetAsync(tenant, item.Id))!;
        Assert.Equal(Now.AddDays(3), recalled.LastRecalledAt);
        Assert.Equal(recall.Strength, recalled.Strength);
        Assert.Equal(2, recalled.Version); // in place, no new version

        const string embedder = "hash-16";
        await store.PutEmbeddingsAsync(tenant, cube.Id, embedder, [new StoredEmbedding(item.Id, "h1", [1f, 0f, 0f, 2.5f]), new StoredEmbedding(MemoryId.NewId(), "h2", [1f])]);
        var embeddings = await store.GetEmbeddingsAsync(tenant, cube.Id, embedder, null);
        var embedding = Assert.Single(embeddings);
        Assert.Equal([1f, 0f, 0f, 2.5f], embedding.Vector);
        Assert.Equal("h1", embedding.TextHash);
        Assert.Single(await store.GetEmbeddingsAsync(tenant, cube.Id, embedder, [item.Id, MemoryId.NewId()]));
        Assert.Equal(1, await store.CountWithoutEmbeddingAsync(tenant, cube.Id, embedder, MemoryFilter.LiveStates));
        Assert.Equal(1, await store.CountWithoutEmbeddingAsync(tenant, null, embedder, MemoryFilter.LiveStates));
        Assert.Equal(0, await store.CountWithoutEmbeddingAsync(tenant, null, embedder, []));

        var stats = await store.GetStatsAsync(tenant, cube.Id);
        Assert.Equal(1, stats.Cubes);
        Assert.Equal(2, stats.ByState[LifecycleState.Active]);
        Assert.Equal(2, stats.ByKind[MemoryKind.Plaintext]);
        Assert.Equal(1, stats.SupersededVersions);
        Assert.Null(stats.StorageBytes);

        long before = await store.GetChangeSequenceAsync(tenant, cube.Id);
        Assert.True(await store.PurgeAsync(tenant, item.Id, Audit(tenant, "purge", cube.Id) with { MemoryId = item.Id.ToString() }));
        Assert.False(await store.PurgeAsync(tenant, item.Id, Audit(tenant, "purge", cube.Id)));
        Assert.Null(await store.GetAsync(tenant, item.Id));
        Assert.Empty(await store.GetEmbeddingsAsync(tenant, cube.Id, embedder, null));
        Assert.Empty(await store.GetHistoryAsync(tenant, item.Id));
        var purge = Assert.Single(await store.ReadChangesAsync(tenant, cube.Id, before, 10));
        Assert.True(purge.Purged);
        Assert.Equal(item.Id, purge.MemoryId);
        Assert.Equal(before + 1, await store.GetChangeSequenceAsync(tenant, cube.Id));

        // add target, add item, replace item, recall item, purge item: numbered from 1, each memory's last entry kept (step 9).
        var feed = await store.ReadChangesAsync(tenant, cube.Id, 0, 100);
        Assert.Equal((target.Id, 1L, false), (feed[0].MemoryId, feed[0].Sequence, feed[0].Purged));
        Assert.Equal(feed.Count, feed.Select(c => c.MemoryId).Distinct().Count());
        Assert.Equal((item.Id, before + 1, true), (feed[^1].MemoryId, feed[^1].Sequence, feed[^1].Purged));
        Assert.Equal(0, await store.GetChangeSequenceAsync(tenant, MemoryId.NewId().ToString()));

        // Audit lines of the purged memory stay (they hold no content), in order.
        var audit = await store.ReadAuditAsync(tenant);
        Assert.Equal(["cube.create", "cube.update", "add", "add", "update", "recall", "purge"], audit.Select(a => a.Action));
        Assert.Equal(["add", "recall", "purge"], (await store.ReadAuditAsync(tenant, new AuditQuery { MemoryId = item.Id })).Select(a => a.Action));
        Assert.Equal(3, (await store.ReadAuditAsync(tenant, new AuditQuery { Limit = 3 })).Count);
    }

    [SkippableFact]
    public async Task Lexical_search_stems_english_and_never_reads_terms_as_query_syntax()
    {
        await using var store = await PostgresTestServer.OpenAsync();
        var (tenant, cube) = await PostgresTestServer.NewCubeAsync(store);
        var meeting = Item(cube, "We had a long meeting about the budget");
        var tagged = Item(cube, "Quarterly numbers", o => o.Tags = ["meetings"]);
        var other = Item(cube, "Bob walked the dog");
        await store.AddAsync(tenant, [meeting, tagged, other], new AddOptions(true), Audit(tenant, "add"));

        async Task<List<MemoryId>> Search(params string[] terms) =>
            (await store.SearchLexicalAsync(tenant, new LexicalQuery(terms, new MemoryFilter(), 10))).Select(h => h.Item.Id).ToList();

        Assert.Equal(new[] { meeting.Id, tagged.Id }.Order(), (await Search("meetings")).Order());
        Assert.Equal([other.Id], await Search("walking", "dogs"));

        // As tsquery syntax these would be a prefix match, an OR and a negation; here they are words and punctuation.
        Assert.Empty(await Search("budg:*"));
        Assert.Empty(await Search("budget | dog"));
        Assert.Equal([other.Id], await Search("!dog"));
        Assert.Empty(await Search("'", "|", "!!", "(", "\\", ":*", "&"));
        Assert.Empty(await Search("the", "  ", string.Empty));
        Assert.Empty(await Search());
        Assert.Empty(await store.SearchLexicalAsync(PostgresTestServer.NewTenant(), new LexicalQuery(["meeting"], new MemoryFilter(), 10)));
    }

    [SkippableFact]
    public async Task Row_level_security_hides_other_tenants_from_an_unscoped_query()
    {
        await using var store = await PostgresTestServer.OpenAsync();
        Assert.True(store.RowLevelSecurityEnforced, "the test role must be an ordinary role (.ci/postgres creates one)");
        string a = PostgresTestServer.NewTenant(), b = PostgresTestServer.NewTenant();
        foreach (string tenant in new[] { a, b })
        {
            var cube = Cube(tenant);
            await store.CreateCubeAsync(cube, Audit(tenant, "cube.create"));
            await store.AddAsync(tenant, [Item(cube, $"secret of {tenant}", o => o.Tags = ["secret"])], new AddOptions(true), Audit(tenant, "add"));
        }

        // Deliberately no "WHERE tenant": only the database's policy stands between tenant A and B's rows.
        var seen = await store.InTenantTransactionAsync(a, async (conn, tx, ct) =>
        {
            var tenants = new List<string>();
            foreach (string table in new[] { "memories", "cubes", "memory_tags", "audit_log", "memory_changes", "change_counters", "write_ledger" })
            {
                await using var cmd = new NpgsqlCommand($"SELECT tenant FROM {table};", conn, tx);
                await using var r = await cmd.ExecuteReaderAsync(ct);
                while (await r.ReadAsync(ct))
                {
                    tenants.Add(r.GetString(0));
                }
            }

            return tenants;
        }, CancellationToken.None);
        Assert.NotEmpty(seen);
        Assert.All(seen, t => Assert.Equal(a, t));

        // Writes are bound too: a row for another tenant is refused by the policy's WITH CHECK.
        var refused = await Assert.ThrowsAsync<PostgresException>(() => store.InTenantTransactionAsync(a, async (conn, tx, ct) =>
        {
            await using var cmd = new NpgsqlCommand("UPDATE cubes SET tenant = @b;", conn, tx);
            cmd.Parameters.AddWithValue("b", b);
            return await cmd.ExecuteNonQueryAsync(ct);
        }, CancellationToken.None));
        Assert.Equal("42501", refused.SqlState);

        // A connection bound to no tenant sees nothing at all, even as the tables' owner.
        await using var raw = await PostgresTestServer.RawAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM memories;", raw);
        Assert.Equal(0L, await count.ExecuteScalarAsync());
    }

    [SkippableFact]
    public async Task A_restore_into_a_second_tenant_is_not_refused_for_the_first_tenants_ids_by_a_role_that_bypasses_row_level_security()
    {
        // Memory ids are unique per tenant here: one archive imported into two tenants is two cubes. A superuser sees every
        // tenant's rows, so the restore's "id taken" check read tenant A's copy as a clash in tenant B.
        // A database of its own: the superuser creates its tables, which the test role then could not read.
        await using var database = await TempPostgresDatabase.CreateAsync();
        await using var store = await OpenAsSuperuserAsync(database.ConnectionString);
        Assert.False(store.RowLevelSecurityEnforced);
        string a = PostgresTestServer.NewTenant(), b = PostgresTestServer.NewTenant();
        var cube = Cube(a);
        var memory = Item(cube, "Alice lives in Munich");
        await store.RestoreCubeAsync(cube, [[memory]], Audit(a, "import"));

        var copy = cube with { Owner = new Scope(b, "alice") };
        var copied = memory with { Scope = new Scope(b, "alice", "agent-1") };
        await store.RestoreCubeAsync(copy, [[copied]], Audit(b, "import"));

        Assert.Equal("Alice lives in Munich", (await store.GetAsync(b, memory.Id))!.Text);
        Assert.Equal("Alice lives in Munich", (await store.GetAsync(a, memory.Id))!.Text);
        // Within one tenant the id is still taken.
        var again = copy with { Id = MemoryId.NewId().ToString(), Name = "again" };
        await Assert.ThrowsAsync<MemoryStateException>(() => store.RestoreCubeAsync(again, [[copied with { CubeId = again.Id }]], Audit(b, "import")));
    }

    /// <summary><paramref name="connectionString"/>'s database opened as the server's superuser (the <c>postgres</c> role <c>.ci/postgres</c> trusts on loopback).</summary>
    private static async Task<PostgresMemoryStore> OpenAsSuperuserAsync(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Username = "postgres", Password = null };
        try
        {
            return await PostgresMemoryStore.OpenAsync(builder.ConnectionString);
        }
        catch (StoreUnavailableException ex) when (Environment.GetEnvironmentVariable(PostgresServer.RequireVariable) != "1")
        {
            Skip.If(true, "the server refuses the superuser 'postgres' on the test URI's host: " + ex.Message);
            throw;
        }
    }

    /// <summary>A raw connection to <paramref name="connectionString"/>'s database as the server's superuser, skipping as <see cref="OpenAsSuperuserAsync"/> does.</summary>
    private static async Task<NpgsqlConnection> OpenRawAsSuperuserAsync(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Username = "postgres", Password = null, Pooling = false };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync();
            return connection;
        }
        catch (NpgsqlException ex) when (Environment.GetEnvironmentVariable(PostgresServer.RequireVariable) != "1")
        {
            await connection.DisposeAsync();
            Skip.If(true, "the server refuses the superuser 'postgres' on the test URI's host: " + ex.Message);
            throw;
        }
    }

    [SkippableFact]
    public async Task A_tag_condition_searches_the_tag_index_by_tag_under_row_level_security()
    {
        // Row-level security keeps a condition that applies a function not marked leakproof to the row (lower(tag)) out of
        // an index scan: the index then served the tenant only, and every tag filter read all of the tenant's tags.
        await using var store = await PostgresTestServer.OpenAsync();
        Assert.True(store.RowLevelSecurityEnforced, "the test role must be an ordinary role (.ci/postgres creates one)");
        string tenant = PostgresTestServer.NewTenant();
        var cube = Cube(tenant);
        await store.CreateCubeAsync(cube, Audit(tenant, "cube.create"));
        var items = Enumerable.Range(0, 3_000).Select(i => Item(cube, $"turn {i}", o => o.Tags = i % 1_000 == 0 ? ["core-block"] : ["topic-" + (i % 500)])).ToList();
        await store.AddAsync(tenant, items, new AddOptions(false), Audit(tenant, "add"));
        var plan = await store.InTenantTransactionAsync(tenant, async (conn, tx, ct) =>
        {
            // Statistics, as a server's autovacuum gathers them; and no sequential scan, which a table this small would get.
            await using (var settle = new NpgsqlCommand("ANALYZE memory_tags; SET LOCAL enable_seqscan = off;", conn, tx))
            {
                await settle.ExecuteNonQueryAsync(ct);
            }

            await using var cmd = new NpgsqlCommand(null, conn, tx);
            var sql = new System.Text.StringBuilder("EXPLAIN SELECT t.memory_id FROM memory_tags t WHERE t.tenant = @t AND ");
            cmd.Parameters.AddWithValue("t", tenant);
            PostgresDialect.Instance.AppendTagIn(sql, cmd, "t", "@tags", ["Core-Block", "pinned"]);
            cmd.CommandText = sql.ToString();
            var lines = new List<string>();
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                lines.Add(reader.GetString(0));
            }

            return lines;
        }, CancellationToken.None);

        Assert.True(plan.Any(line => line.Contains("Index Cond", StringComparison.Ordinal) && line.Contains("tag_key", StringComparison.Ordinal)), string.Join("\n", plan));
    }

    [SkippableFact]
    public async Task The_database_refuses_to_change_or_delete_audit_lines()
    {
        await using var store = await PostgresTestServer.OpenAsync();
        string tenant = PostgresTestServer.NewTenant();
        await store.CreateCubeAsync(Cube(tenant), Audit(tenant, "cube.create"));
        foreach (string sql in new[]
        {
            "UPDATE audit_log SET detail = 'forged';",
            "UPDATE audit_log SET detail = '{\"redacted\":true}', action = 'forged';",
            "UPDATE audit_log SET detail = '{\"redacted\":true}', memory_id = 'x';",
            "DELETE FROM audit_log;",
            "TRUNCATE audit_log;",
        })
        {
            var ex = await Assert.ThrowsAsync<PostgresException>(() => store.InTenantTransactionAsync(tenant, async (conn, tx, ct) =>
            {
                await using var cmd = new NpgsqlCommand(sql, conn, tx);
                return await cmd.ExecuteNonQueryAsync(ct);
            }, CancellationToken.None));
            Assert.Contains("append-only", ex.MessageText, StringComparison.Ordinal);
        }

        Assert.Equal("cube.create", Assert.Single(await store.ReadAuditAsync(tenant)).Action);

        // The one change let through: a purge redacting a detail to the fixed marker.
        Assert.Equal(1, await store.InTenantTransactionAsync(tenant, async (conn, tx, ct) =>
        {
            await using var cmd = new NpgsqlCommand("UPDATE audit_log SET detail = '{\"redacted\":true}';", conn, tx);
            return await cmd.ExecuteNonQueryAsync(ct);
        }, CancellationToken.None));
        Assert.Equal(AuditRecord.RedactedDetail, Assert.Single(await store.ReadAuditAsync(tenant)).Detail);
    }

    [SkippableFact]
    public async Task An_add_retried_after_a_lost_commit_acknowledgement_returns_the_first_outcomes_and_writes_once()
    {
        await using var store = await PostgresTestServer.OpenAsync(o => o.RetryBaseDelay = TimeSpan.FromMilliseconds(1));
        var (tenant, cube) = await PostgresTestServer.NewCubeAsync(store);
        var existing = Item(cube, "already here");
        await store.AddAsync(tenant, [existing], new AddOptions(true), Audit(tenant, "add"));
        long sequence = await store.GetChangeSequenceAsync(tenant, cube.Id);

        // The first attempt commits, then "loses" the acknowledgement; the retry finds its ledger row.
        store.SimulateLostCommitAcknowledgements(1);
        var fresh = Item(cube, "new fact");
        var outcomes = await store.AddAsync(tenant, [fresh, Item(cube, "already here")], new AddOptions(true), Audit(tenant, "add"));

        Assert.Equal([new AddOutcome(fresh.Id, true), new AddOutcome(existing.Id, false)], outcomes);
        Assert.Equal(2, (await store.ListAsync(tenant, new MemoryFilter(), 10)).Count);
        Assert.Equal(sequence + 1, await store.GetChangeSequenceAsync(tenant, cube.Id));
        Assert.Single(await store.ReadAuditAsync(tenant, new AuditQuery { MemoryId = fresh.Id }));

        // Recalls too: counted once, with the first attempt's result.
        store.SimulateLostCommitAcknowledgements(1);
        var recall = Assert.Single(await store.RecordRecallsAsync(tenant, [fresh.Id], Now.AddDays(1), Audit(tenant, "recall")));
        Assert.Equal(1, recall.RecallCount);
        Assert.Equal(1, (await store.GetAsync(tenant, fresh.Id))!.RecallCount);

        // And a purge still reports that it removed the memory.
        store.SimulateLostCommitAcknowledgements(1);
        Assert.True(await store.PurgeAsync(tenant, fresh.Id, Audit(tenant, "purge")));
    }

    [SkippableFact]
    public async Task Cube_writes_retried_after_a_lost_commit_acknowledgement_return_the_first_result()
    {
        await using var store = await PostgresTestServer.OpenAsync(o => o.RetryBaseDelay = TimeSpan.FromMilliseconds(1));
        var (tenant, cube) = await PostgresTestServer.NewCubeAsync(store);

        // A cube change returns the cube as stored, read back from the ledger on a retry.
        store.SimulateLostCommitAcknowledgements(1);
        var grants = new[] { new CubeGrant("bob", null, CubeAccess.Read) };
        var changed = await store.UpdateCubeAsync(tenant, cube.Id, c => c with { Grants = grants, Policy = new CubePolicy { MaxItems = 7 } }, Audit(tenant, "cube.grants", cube.Id));
        Assert.Equal((cube.Id, cube.Name, 7), (changed.Id, changed.Name, changed.Policy.MaxItems));
        Assert.Equal(grants, changed.Grants);

        // Deleting a cube that is not there answers null (the ledger's JSON null threw on the retry).
        store.SimulateLostCommitAcknowledgements(1);
        Assert.Null(await store.DeleteCubeAsync(tenant, MemoryId.NewId().ToString(), Audit(tenant, "cube.delete")));
        store.SimulateLostCommitAcknowledgements(1);
        Assert.Equal(0, await store.DeleteCubeAsync(tenant, cube.Id, Audit(tenant, "cube.delete", cube.Id)));
    }

    [SkippableFact]
    public async Task A_cube_delete_leaves_no_write_ledger_row_holding_the_cube_s_description_or_grants()
    {
        // A cube update's ledger row holds the whole cube as stored: before, it kept the deleted cube's description and
        // grants in a live row for the ledger's hour.
        await using var store = await PostgresTestServer.OpenAsync();
        string tenant = PostgresTestServer.NewTenant();
        string token = "secret-token-" + Guid.NewGuid().ToString("N")[..12];
        var cube = Cube(tenant) with { Description = $"holds {token}" };
        var other = Cube(tenant, "other");
        await store.CreateCubeAsync(cube, Audit(tenant, "cube.create"));
        await store.CreateCubeAsync(other, Audit(tenant, "cube.create"));
        await store.UpdateCubeAsync(tenant, cube.Id, c => c with { Grants = [new CubeGrant(token, null, CubeAccess.Read)] }, Audit(tenant, "cube.update", cube.Id));
        await store.UpdateCubeAsync(tenant, other.Id, c => c with { Description = "kept" }, Audit(tenant, "cube.update", other.Id));

        await using var raw = await PostgresTestServer.RawAsync();
        await using (var bind = new NpgsqlCommand("SELECT set_config('agentmem.tenant', @t, false);", raw))
        {
            bind.Parameters.AddWithValue("t", tenant);
            await bind.ExecuteNonQueryAsync();
        }

        async Task<long> LedgerRowsHolding(string text)
        {
            await using var count = new NpgsqlCommand("SELECT count(*) FROM write_ledger WHERE strpos(result::text, @x) > 0;", raw);
            count.Parameters.AddWithValue("x", text);
            return (long)(await count.ExecuteScalarAsync())!;
        }

        Assert.Equal(1, await LedgerRowsHolding(token));
        Assert.Equal(0, await store.DeleteCubeAsync(tenant, cube.Id, Audit(tenant, "cube.delete", cube.Id)));

        Assert.Equal(0, await LedgerRowsHolding(token));
        Assert.Equal(1, await LedgerRowsHolding("kept")); // another cube's update keeps its row, and so its retry's answer
    }

    [SkippableFact]
    public async Task A_purge_cancelled_while_its_vacuum_waits_reports_the_committed_purge()
    {
        // The vacuum runs after the commit: a cancellation while it waited for its lock told the caller the purge failed.
        await using var db = await TempPostgresDatabase.CreateAsync();
        await using var store = await PostgresMemoryStore.OpenAsync(db.Options());
        var (tenant, cube) = await PostgresTestServer.NewCubeAsync(store);
        var item = Item(cube, "to be purged");
        await store.AddAsync(tenant, [item], new AddOptions(false), Audit(tenant, "add"));

        await using var holder = await PostgresTestServer.RawAsync(db.ConnectionString);
        await using var tx = await holder.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand("LOCK TABLE memory_versions IN ACCESS SHARE MODE;", holder, tx))
        {
            await hold.ExecuteNonQueryAsync();
        }

        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(1500));
        Assert.True(await store.PurgeAsync(tenant, item.Id, Audit(tenant, "purge"), cancel.Token));
        Assert.False(store.LastVacuumComplete);
        Assert.Null(await store.GetAsync(tenant, item.Id));
        await tx.RollbackAsync();
    }

    [SkippableFact]
    public async Task A_purge_by_a_role_that_may_not_vacuum_the_tables_reports_the_vacuum_incomplete()
    {
        // The server answers a non-owner's VACUUM with a warning per table, not an error: the purge reported the vacuum
        // complete though no table was vacuumed.
        await using var db = await TempPostgresDatabase.CreateAsync();
        await using (await PostgresMemoryStore.OpenAsync(db.Options()))
        {
            // The schema, owned by the test role.
        }

        string app = "agentmem_app_" + Guid.NewGuid().ToString("N")[..8];
        await using var admin = await OpenRawAsSuperuserAsync(db.ConnectionString);
        await using (var create = new NpgsqlCommand(
            $"""
            CREATE ROLE {app} LOGIN;
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app};
            GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {app};
            """,
            admin))
        {
            await create.ExecuteNonQueryAsync();
        }

        try
        {
            var asApp = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Username = app, Password = null };
            await using var store = await PostgresMemoryStore.OpenAsync(asApp.ConnectionString);
            var (tenant, cube) = await PostgresTestServer.NewCubeAsync(store);
            var item = Item(cube, "to be purged");
            await store.AddAsync(tenant, [item], new AddOptions(false), Audit(tenant, "add"));

            Assert.True(await store.PurgeAsync(tenant, item.Id, Audit(tenant, "purge")));
            Assert.False(store.LastVacuumComplete);
            Assert.Null(await store.GetAsync(tenant, item.Id));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var drop = new NpgsqlCommand($"DROP OWNED BY {app}; DROP ROLE {app};", admin);
            await drop.ExecuteNonQueryAsync();
        }
    }

    [SkippableFact]
    public async Task The_same_add_made_again_by_the_caller_is_recognised_not_duplicated()
    {
        await using var store = await PostgresTestServer.OpenAsync();
        var (tenant, cube) = await PostgresTestServer.NewCubeAsync(store);
        var items = new[] { Item(cube, "one"), Item(cube, "two") };
        foreach (bool deduplicate in new[] { true, false })
        {
            Assert.All(await store.AddAsync(tenant, items, new AddOptions(deduplicate), Audit(tenant, "add")), o => Assert.Contains(o.Id, items.Select(i => i.Id)));
        }

        var again = await store.AddAsync(tenant, items, new AddOptions(false), Audit(tenant, "add"));
        Assert.Equal(items.Select(i => new AddOutcome(i.Id, false)), again);
        Assert.Equal(2, (await store.ListAsync(tenant, new MemoryFilter(), 10)).Count);
        Assert.Equal(2, await store.GetChangeSequenceAsync(tenant, cube.Id));
        Assert.Equal(3, (await store.ReadAuditAsync(tenant)).Count); // cube.create and two adds

        // The same id with other content is not the same write.
        await Assert.ThrowsAsync<MemoryStateException>(() => store.AddAsync(tenant, [items[0] with { Text = "changed", ContentHash = Hash("changed") }], new AddOptions(true), Audit(tenant, "add")));
    }

    [SkippableFact]
    public async Task Max_live_items_refuses_the_whole_batch()
    {
        await using var store = await PostgresTestServer.OpenAsync();
        var (tenant, cube) = await PostgresTestServer.NewCubeAsync(store);
        await store.AddAsync(tenant, [Item(cube, "a"), Item(cube, "b")], new AddOptions(true, MaxLiveItems: 3), Audit(tenant, "add"));
        await Assert.ThrowsAsync<CubeFullException>(() => store.AddAsync(tenant, [Item(cube, "c"), Item(cube, "d")], new AddOptions(true, MaxLiveItems: 3), Audit(tenant, "add")));
        Assert.Equal(2, (await store.ListAsync(tenant, new MemoryFilter(), 10)).Count);
        Assert.Equal(2, await store.GetChangeSequenceAsync(tenant, cube.Id));
    }

    [SkippableFact]
    public async Task Listen_reports_writes_of_another_store()
    {
        await using var listener = await PostgresTestServer.OpenAsync();
        await using var writer = await PostgresTestServer.OpenAsync();
        var (tenant, cube) = await PostgresTestServer.NewCubeAsync(writer);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var notices = listener.ListenAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);
        var next = notices.MoveNextAsync().AsTask(); // starts listening
        await Task.Delay(200);
        await writer.AddAsync(tenant, [Item(cube, "wake up")], new AddOptions(true), Audit(tenant, "add"));
        while (await next)
        {
            if (notices.Current == new PostgresChangeNotice(tenant, cube.Id))
            {
                return;
            }

            next = notices.MoveNextAsync().AsTask();
        }

        Assert.Fail("no notification");
    }
}
