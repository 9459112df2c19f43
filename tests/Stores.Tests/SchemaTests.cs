using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.MemoryCore.Validation;
using AgentMem.Stores.Sqlite;

namespace AgentMem.Stores.Tests;

public sealed class SchemaTests
{
    [Fact]
    public async Task A_version_1_database_is_migrated_and_its_data_stays_readable()
    {
        await using var db = new TestDatabase();
        using (var raw = db.Raw())
        using (var cmd = raw.CreateCommand())
        {
            cmd.CommandText = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "schema_v1.sql"));
            cmd.ExecuteNonQuery();
        }

        var steps = new List<SchemaStepProgress>();
        await using (var store = SqliteMemoryStore.Open(new SqliteStoreOptions { Path = db.FilePath, SchemaProgress = new SynchronousProgress<SchemaStepProgress>(steps.Add) }))
        {
            Assert.Equal(1, store.SchemaVersionAtOpen);
        }

        // Each step from 2 on, told as it starts and again once committed.
        int latest = SqliteMemoryStore.LatestSchemaVersion;
        Assert.Equal(
            Enumerable.Range(2, latest - 1).SelectMany(v => new[] { (v, false), (v, true) }),
            steps.Select(s => (s.Version, s.Done)));
        Assert.All(steps, s => Assert.Equal((db.FilePath, 1, latest), (s.Location, s.FromVersion, s.LatestVersion)));
        Assert.Equal("link reasons", steps.Single(s => s.Version == 3 && s.Done).Name);

        Assert.Equal(SqliteMemoryStore.LatestSchemaVersion, db.Scalar("PRAGMA user_version"));
        Assert.Equal(SqliteMemoryStore.LatestSchemaVersion, db.Scalar("SELECT MAX(version) FROM schema_migrations"));

        var memory = db.OpenMemory();
        var alice = new Scope("acme", "alice");
        var bikeId = MemoryId.Parse("01HZX3Q8Y4V6N2K7M9P0R1S2T3");
        var bike = await memory.GetAsync(alice, bikeId);
        Assert.Equal("Alice keeps her bike in the garage now", bike.Text);
        Assert.Equal(1.0, bike.Strength);
        Assert.Equal(0, bike.RecallCount);

        var history = await memory.GetHistoryAsync(alice, bikeId);
        Assert.Equal("Alice keeps her bike in the basement", history[0].Text);
        Assert.Equal("moved the bike", history[0].StateReason);

        var hits = await memory.SearchAsync(alice, "notes", "peanut allergy");
        Assert.Equal("Alice is allergic to peanuts", hits[0].Item.Text);

        // What version 2 added works on the migrated file.
        var linked = await memory.AddAsync(alice, "notes", new MemoryDraft("Alice's garage has a code lock") { Links = [new MemoryLink(bikeId, "related", 0.7, "both about Alice's things")] });
        var link = Assert.Single((await memory.GetAsync(alice, linked.Id)).Links);
        Assert.Equal(bikeId, link.Target);

        // ...and so does what version 3 added: the link keeps its reason.
        Assert.Equal("both about Alice's things", link.Reason);
        var updated = await memory.UpdateAsync(alice, bikeId, new MemoryChange { Text = "Alice sold her bike", Reason = "sold" });
        Assert.Equal(3, updated.Version);
    }

    [Theory]
    [InlineData("SELECT source_id, target_id, type, weight, reason FROM memory_links WHERE tenant = 'acme' AND source_id IN ('a', 'b') ORDER BY source_id, rowid", "source_id=?")]
    [InlineData("DELETE FROM memory_links WHERE tenant = 'acme' AND source_id = 'a'", "source_id=?")]
    [InlineData("DELETE FROM memory_links WHERE tenant = 'acme' AND target_id = 'a'", "target_id=?")]
    [InlineData("SELECT source_id FROM memory_links WHERE tenant = 'acme' AND target_id IN ('a', 'b')", "target_id=?")]
    [InlineData("SELECT source_id FROM memory_links WHERE tenant = 'acme' AND target_id IN ('a', 'b') AND type IN ('encodes', 'derived-from')", "target_id=?")]
    [InlineData("SELECT count(*) FROM memories m WHERE m.tenant = 'acme' AND m.cube_id = 'c' AND m.state IN (0, 3)", "COVERING INDEX ix_memories_state")]
    [InlineData("SELECT m.id FROM memories m WHERE m.tenant = 'acme' AND m.cube_id = 'c' AND m.state IN (0, 3) AND m.id > 'a' ORDER BY m.id LIMIT 500", "INDEX ix_memories_cube (tenant=? AND cube_id=? AND id>?)")]
    [InlineData("DELETE FROM memory_tags WHERE tenant = 'acme' AND memory_id = 'a'", "memory_id=?")]
    [InlineData("SELECT snapshot_json FROM memory_versions WHERE tenant = 'acme' AND memory_id = 'a' ORDER BY version", "memory_id=?")]
    [InlineData("SELECT m.id FROM memories m WHERE +m.tenant = 'acme' AND m.id IN ('a', 'b')", "(id=?)")]
    [InlineData("SELECT t.memory_id FROM memory_tags t WHERE t.tenant = 'acme' AND t.tag_key IN ('CORE-BLOCK', 'PINNED') LIMIT 1001", "tag_key=?")]
    [InlineData("SELECT count(*) FROM memories m WHERE m.tenant = 'acme' AND m.id IN ('a', 'b') AND m.cube_id = 'c' AND m.state IN (0, 3) AND EXISTS (SELECT 1 FROM memory_tags t WHERE t.tenant = m.tenant AND t.memory_id = m.id AND t.tag_key IN ('CORE-BLOCK'))", "id=?)")]
    [InlineData("SELECT m.id FROM memories m WHERE m.tenant = 'acme' AND m.id IN ('a', 'b') AND m.cube_id = 'c' AND m.state IN (0, 3) AND EXISTS (SELECT 1 FROM memory_tags t WHERE t.tenant = m.tenant AND t.memory_id = m.id AND t.tag_key IN ('CORE-BLOCK')) ORDER BY m.id LIMIT 64", "id=?)")]
    [InlineData("SELECT MAX(seq) FROM memory_changes WHERE tenant = 'acme' AND cube_id = 'c'", "cube_id=?")]
    [InlineData("SELECT seq, memory_id, op FROM memory_changes WHERE tenant = 'acme' AND cube_id = 'c' AND seq > 5 ORDER BY seq LIMIT 10", "seq>?")]
    [InlineData("SELECT 1 FROM audit_log WHERE tenant < 'acme'", "(tenant<?)")]
    [InlineData("SELECT 1 FROM cubes WHERE tenant > 'acme'", "(tenant>?)")]
    [InlineData("SELECT memory_id, text_hash, vector FROM memory_embeddings WHERE tenant = 'acme' AND cube_id = 'c' AND embedder = 'e' AND memory_id IN ('a', 'b')", "memory_id=?")]
    public async Task Per_memory_lookups_that_every_read_and_update_makes_search_an_index_on_the_memory_not_the_whole_tenant(string statement, string keyUse)
    {
        // The shapes SqliteMemoryStore runs per memory (reading links, rewriting tags and links on update, history, who
        // links to a memory), and the stats' probes for another tenant's rows, which must not walk this tenant's.
        // A plan that searches only "tenant=?" scans every row of the tenant, so updates slow down as the file grows.
        await using var db = new TestDatabase();
        await using (SqliteMemoryStore.Open(db.FilePath))
        {
        }

        using var raw = db.Raw();
        using var cmd = raw.CreateCommand();
        cmd.CommandText = "EXPLAIN QUERY PLAN " + statement;
        var plan = new List<string>();
        using (var reader = cmd.ExecuteReader())
        {
            while (reader.Read())
            {
                plan.Add(reader.GetString(3));
            }
        }

        Assert.Contains(plan, step => step.StartsWith("SEARCH", StringComparison.Ordinal) && step.Contains(keyUse, StringComparison.Ordinal));
        Assert.DoesNotContain(plan, step => step.StartsWith("SCAN", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Tags_written_with_json_escapes_by_earlier_versions_become_searchable_after_the_upgrade()
    {
        await using var db = new TestDatabase();
        MemoryId id;
        await using (var memory = db.OpenMemory())
        {
            await memory.CreateCubeAsync(TestDatabase.Alice, "notes");
            id = (await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Planted tomatoes") { Tags = ["garden"], Keywords = ["kitchen"] })).Id;
        }

        // The row as a version-8 file holds it (the full-text trigger indexes the escapes), and the file back at version 8.
        using (var raw = db.Raw())
        using (var cmd = raw.CreateCommand())
        {
            cmd.CommandText = """
                UPDATE memories SET tags_json = '["caf\u00E9","o\u0027brien"]', keywords_json = '["Z\u00FCrich"]';
                DELETE FROM schema_migrations WHERE version = 9;
                PRAGMA user_version = 8;
                """ + SqliteSchemaRewinds.WithoutCanonicalContentHashes + SqliteSchemaRewinds.WithoutValidFromOffsets + SqliteSchemaRewinds.WithoutFeedCompaction + SqliteSchemaRewinds.WithoutTagKeys;
            cmd.ExecuteNonQuery();
        }

        await using var upgraded = db.OpenMemory();
        foreach (string word in new[] { "café", "brien", "zürich" })
        {
            Assert.Equal(id, Assert.Single(await upgraded.SearchAsync(TestDatabase.Alice, "notes", word)).Item.Id);
        }

        Assert.Empty(await upgraded.SearchAsync(TestDatabase.Alice, "notes", "u00e9"));
        var item = await upgraded.GetAsync(TestDatabase.Alice, id);
        Assert.Equal(["café", "o'brien"], item.Tags);
        Assert.Equal(["Zürich"], item.Keywords);
    }

    [Fact]
    public async Task Tags_stored_before_they_had_keys_match_without_case_beyond_ascii_after_the_upgrade()
    {
        await using var db = new TestDatabase();
        MemoryId id;
        await using (var memory = db.OpenMemory())
        {
            await memory.CreateCubeAsync(TestDatabase.Alice, "notes");
            id = (await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("Stepped on a plug") { Tags = ["Ärger", "home"] })).Id;
        }

        // The tags as a version-9 file holds them: no key, the tag itself indexed (NOCASE, which folds ASCII only).
        using (var raw = db.Raw())
        using (var cmd = raw.CreateCommand())
        {
            cmd.CommandText = SqliteSchemaRewinds.WithoutCanonicalContentHashes + SqliteSchemaRewinds.WithoutValidFromOffsets + SqliteSchemaRewinds.WithoutFeedCompaction + SqliteSchemaRewinds.WithoutTagKeys + "PRAGMA user_version = 9;";
            cmd.ExecuteNonQuery();
        }

        await using var upgraded = db.OpenMemory();
        foreach (string tag in new[] { "ärger", "ÄRGER", "HOME" })
        {
            var found = await upgraded.ListAsync(TestDatabase.Alice, "notes", new MemoryFilter { AnyTags = [tag] }).Select(m => m.Id).ToListAsync();
            Assert.Equal([id], found);
        }

        Assert.Equal(["Ärger", "home"], (await upgraded.GetAsync(TestDatabase.Alice, id)).Tags);
    }

    [Fact]
    public async Task Event_starts_stored_before_they_kept_an_offset_read_back_in_utc_and_later_ones_keep_theirs()
    {
        await using var db = new TestDatabase();
        var hawaii = new DateTimeOffset(2024, 5, 7, 20, 0, 0, TimeSpan.FromHours(-10));
        MemoryId id;
        await using (var memory = db.OpenMemory())
        {
            await memory.CreateCubeAsync(TestDatabase.Alice, "notes");
            id = (await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("We went to the beach together") { ValidFrom = hawaii })).Id;
        }

        // The row as a version-11 file holds it: the instant in UTC, no offset.
        using (var raw = db.Raw())
        using (var cmd = raw.CreateCommand())
        {
            cmd.CommandText = SqliteSchemaRewinds.WithoutCanonicalContentHashes + SqliteSchemaRewinds.WithoutValidFromOffsets + "PRAGMA user_version = 11;";
            cmd.ExecuteNonQuery();
        }

        string StoredText()
        {
            using var raw = db.Raw();
            using var cmd = raw.CreateCommand();
            cmd.CommandText = "SELECT valid_from FROM memories";
            return (string)cmd.ExecuteScalar()!;
        }

        Assert.Equal("2024-05-08T06:00:00.0000000+00:00", StoredText());
        await using var upgraded = db.OpenMemory();
        var old = await upgraded.GetAsync(TestDatabase.Alice, id);
        Assert.Equal((hawaii, TimeSpan.Zero), (old.ValidFrom, old.ValidFrom!.Value.Offset));

        // The column keeps the sortable UTC text; the offset goes beside it, in minutes.
        var kept = await upgraded.UpdateAsync(TestDatabase.Alice, id, new MemoryChange { ValidFrom = hawaii });
        Assert.Equal((2, hawaii.Offset), (kept.Version, kept.ValidFrom!.Value.Offset));
        Assert.Equal(hawaii.Offset, (await upgraded.GetAsync(TestDatabase.Alice, id)).ValidFrom!.Value.Offset);
        Assert.Equal("2024-05-08T06:00:00.0000000+00:00", StoredText());
        Assert.Equal(-600, db.Scalar("SELECT valid_from_offset FROM memories"));
    }

    [Fact]
    public async Task Hashes_stored_before_line_breaks_and_a_leading_byte_order_mark_were_normalised_match_their_copies_after_the_upgrade()
    {
        await using var db = new TestDatabase();
        string[] texts = ["line one\r\nline two", "\uFEFFfirst\nsecond", "\u00A0\u200Bspaced\rout", "plain words"];
        var ids = new List<MemoryId>();
        await using (var memory = db.OpenMemory())
        {
            await memory.CreateCubeAsync(TestDatabase.Alice, "notes");
            foreach (string text in texts)
            {
                ids.Add((await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft(text))).Id);
            }
        }

        // The hashes as a version-12 file holds them: the text trimmed and in NFC, line breaks and a byte order mark as written.
        using (var raw = db.Raw())
        using (var cmd = raw.CreateCommand())
        {
            cmd.CommandText = SqliteSchemaRewinds.WithoutCanonicalContentHashes + "PRAGMA user_version = 12;"
                + string.Concat(texts.Zip(ids, (text, id) => $"UPDATE memories SET content_hash = '{LegacyHash(text)}' WHERE id = '{id}';"));
            cmd.ExecuteNonQuery();
        }

        Assert.Equal(1, db.Scalar("SELECT COUNT(*) FROM memories WHERE content_hash = @h", ("@h", LegacyHash(texts[0]))));
        await using var upgraded = db.OpenMemory();
        foreach (var (copy, id) in new[] { "line one\nline two", "first\nsecond", "spaced\nout", "plain words" }.Zip(ids))
        {
            var again = await upgraded.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft(copy));
            Assert.Equal((false, id), (again.Created, again.Id));
        }

        foreach (var (text, id) in texts.Zip(ids))
        {
            Assert.Equal(1, db.Scalar("SELECT COUNT(*) FROM memories WHERE id = @id AND content_hash = @h", ("@id", id.ToString()), ("@h", ContentRules.ComputeHash(MemoryKind.Plaintext, text, null))));
        }
    }

    [Fact]
    public async Task The_hash_upgrade_keeps_two_copies_stored_before_as_two_memories_and_a_second_run_writes_nothing()
    {
        await using var db = new TestDatabase();
        string[] texts = ["line one\r\nline two", "line one\nline two"];
        var ids = new List<MemoryId>();

        // A version-12 file held both copies, as two memories: their hashes differed then (the first one's is set as it was
        // before the second is written, which is a duplicate now).
        void SetLegacyHash(int i)
        {
            using var raw = db.Raw();
            using var cmd = raw.CreateCommand();
            cmd.CommandText = $"UPDATE memories SET content_hash = '{LegacyHash(texts[i])}' WHERE id = '{ids[i]}';";
            cmd.ExecuteNonQuery();
        }

        await using (var memory = db.OpenMemory())
        {
            await memory.CreateCubeAsync(TestDatabase.Alice, "notes");
            ids.Add((await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft(texts[0]))).Id);
            SetLegacyHash(0);
            ids.Add((await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft(texts[1]))).Id);
        }

        using (var raw = db.Raw())
        using (var cmd = raw.CreateCommand())
        {
            cmd.CommandText = SqliteSchemaRewinds.WithoutCanonicalContentHashes + "PRAGMA user_version = 12;";
            cmd.ExecuteNonQuery();
        }

        Assert.NotEqual(ids[0], ids[1]);
        string canonical = ContentRules.ComputeHash(MemoryKind.Plaintext, texts[1], null);
        await using (var upgraded = db.OpenMemory())
        {
            // Both stay (the step writes hashes, it does not merge memories); a third copy is one of them.
            Assert.Equal(2, db.Scalar("SELECT COUNT(*) FROM memories WHERE content_hash = @h", ("@h", canonical)));
            var again = await upgraded.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("line one\rline two"));
            Assert.False(again.Created);
            Assert.Contains(again.Id, ids);
            Assert.Equal(2, (await upgraded.ListAsync(TestDatabase.Alice, "notes").ToListAsync()).Count);
        }

        // The step run again over the rows it rewrote writes none of them: a written row would add a change-feed entry.
        long lastChange = db.Scalar("SELECT MAX(seq) FROM memory_changes");
        using (var raw = db.Raw())
        using (var cmd = raw.CreateCommand())
        {
            cmd.CommandText = SqliteSchemaRewinds.WithoutCanonicalContentHashes + "PRAGMA user_version = 12;";
            cmd.ExecuteNonQuery();
        }

        await using (var rerun = db.OpenMemory())
        {
            Assert.Equal(SqliteMemoryStore.LatestSchemaVersion, db.Scalar("PRAGMA user_version"));
            Assert.Equal(lastChange, db.Scalar("SELECT MAX(seq) FROM memory_changes"));
            Assert.Equal(2, db.Scalar("SELECT COUNT(*) FROM memories WHERE content_hash = @h", ("@h", canonical)));
        }
    }

    /// <summary>The content hash of a plaintext memory as schema version 12 and before stored it.</summary>
    internal static string LegacyHash(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{(int)MemoryKind.Plaintext}\n{text.Trim().Normalize(System.Text.NormalizationForm.FormC)}\n")));

    [Fact]
    public async Task Two_openers_migrating_a_new_file_at_once_both_open_it()
    {
        await using var db = new TestDatabase();
        SqliteMemoryStore? other = null;

        // The second opener migrates the whole file between the first one's reading of the version and its first step.
        var progress = new SynchronousProgress<SchemaStepProgress>(step =>
        {
            if (other is null && step.Elapsed is null)
            {
                other = SqliteMemoryStore.Open(db.FilePath);
            }
        });
        await using var first = SqliteMemoryStore.Open(new SqliteStoreOptions { Path = db.FilePath, SchemaProgress = progress });
        await using var second = other!;

        Assert.Equal(SqliteMemoryStore.LatestSchemaVersion, db.Scalar("SELECT COUNT(*) FROM schema_migrations"));
        Assert.Equal(SqliteMemoryStore.LatestSchemaVersion, db.Scalar("PRAGMA user_version;"));
    }

    [Fact]
    public async Task Opening_twice_does_not_migrate_twice()
    {
        await using var db = new TestDatabase();
        await using (var first = SqliteMemoryStore.Open(db.FilePath))
        {
            Assert.Equal(0, first.SchemaVersionAtOpen);
        }

        var steps = new List<SchemaStepProgress>();
        await using var second = SqliteMemoryStore.Open(new SqliteStoreOptions { Path = db.FilePath, SchemaProgress = new SynchronousProgress<SchemaStepProgress>(steps.Add) });
        Assert.Equal(SqliteMemoryStore.LatestSchemaVersion, second.SchemaVersionAtOpen);
        Assert.Empty(steps);
        Assert.Equal(SqliteMemoryStore.LatestSchemaVersion, db.Scalar("SELECT COUNT(*) FROM schema_migrations"));
        Assert.Equal("wal", WalMode(db));
    }

    [Fact]
    public async Task A_file_that_is_not_sqlite_is_refused_and_left_untouched()
    {
        await using var db = new TestDatabase();
        await File.WriteAllTextAsync(db.FilePath, "these are my notes, not a database\n" + new string('x', 5000));
        var before = await File.ReadAllBytesAsync(db.FilePath);

        var ex = Assert.Throws<StoreFormatException>(() => SqliteMemoryStore.Open(db.FilePath));
        Assert.Contains("not an AgentMem database", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(db.FilePath));
    }

    [Fact]
    public async Task A_sqlite_file_of_another_application_is_refused()
    {
        await using var db = new TestDatabase();
        using (var raw = db.Raw())
        using (var cmd = raw.CreateCommand())
        {
            cmd.CommandText = "CREATE TABLE invoices(id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices(total) VALUES (9.5);";
            cmd.ExecuteNonQuery();
        }

        var ex = Assert.Throws<StoreFormatException>(() => SqliteMemoryStore.Open(db.FilePath));
        Assert.Contains("not an AgentMem one", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, db.Scalar("SELECT COUNT(*) FROM invoices"));
    }

    [Fact]
    public async Task A_database_from_a_newer_version_is_refused_with_a_typed_error()
    {
        await using var db = new TestDatabase();
        await using (SqliteMemoryStore.Open(db.FilePath))
        {
        }

        using (var raw = db.Raw())
        using (var cmd = raw.CreateCommand())
        {
            cmd.CommandText = "PRAGMA user_version = 99;";
            cmd.ExecuteNonQuery();
        }

        var ex = Assert.Throws<SchemaVersionException>(() => SqliteMemoryStore.Open(db.FilePath));
        Assert.Contains("99", ex.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<StoreFormatException>(ex);
    }

    [Fact]
    public async Task A_store_left_open_while_a_newer_build_migrates_the_file_writes_nothing_more()
    {
        await using var db = new TestDatabase();
        var memory = db.OpenMemory();
        await memory.CreateCubeAsync(TestDatabase.Alice, "notes");
        await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("written before the upgrade") { Tags = ["x"] });
        long audit = db.Scalar("SELECT COUNT(*) FROM audit_log");

        // What a newer build's Open does to the file (a CLI upgraded beside a running server) while this store holds it.
        int newer = SqliteMemoryStore.LatestSchemaVersion + 1;
        using (var raw = db.Raw())
        using (var cmd = raw.CreateCommand())
        {
            cmd.CommandText = $"PRAGMA user_version = {newer};";
            cmd.ExecuteNonQuery();
        }

        // Rows in this build's layout would be misread by the newer one (a tag written without the key a later step adds).
        var ex = await Assert.ThrowsAsync<SchemaVersionException>(() => memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("written after the upgrade") { Tags = ["x"] }));
        Assert.Contains($"schema version {newer}", ex.Message, StringComparison.Ordinal);
        Assert.Contains(db.FilePath, ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, db.Scalar("SELECT COUNT(*) FROM memories"));
        Assert.Equal(1, db.Scalar("SELECT COUNT(*) FROM memory_tags"));
        Assert.Equal(audit, db.Scalar("SELECT COUNT(*) FROM audit_log"));
    }

    [Fact]
    public async Task Recalls_move_the_change_feed_on_but_leave_one_entry_per_memory()
    {
        await using var db = new TestDatabase();
        var memory = db.OpenMemory();
        var store = db.OpenStore();
        var cube = await memory.CreateCubeAsync(TestDatabase.Alice, "notes");
        var recalled = await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("the boat is blue"));
        var other = await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("the car is red"));
        long before = await store.GetChangeSequenceAsync("acme", cube.Id);

        for (int i = 0; i < 10; i++)
        {
            await memory.RecordRecallAsync(TestDatabase.Alice, [recalled.Id]);
        }

        // Readers still learn of the recalls (the hybrid retriever's strength boost reads a cached copy of the counters),
        // from the memory's newest entry: the older ones name nothing a reader would not re-read from it.
        long head = await store.GetChangeSequenceAsync("acme", cube.Id);
        Assert.True(head > before, $"head {head}, before {before}");
        var feed = await store.ReadChangesAsync("acme", cube.Id, 0, 100);
        Assert.Equal([other.Id, recalled.Id], feed.Select(c => c.MemoryId));
        Assert.Equal(head, feed[^1].Sequence);
        Assert.Equal([recalled.Id], (await store.ReadChangesAsync("acme", cube.Id, before, 100)).Select(c => c.MemoryId));
        Assert.Equal(2, db.Scalar("SELECT COUNT(*) FROM memory_changes"));

        // A purge's entry is the memory's newest too.
        await memory.PurgeAsync(TestDatabase.Alice, recalled.Id);
        feed = await store.ReadChangesAsync("acme", cube.Id, 0, 100);
        Assert.Equal([(other.Id, false), (recalled.Id, true)], feed.Select(c => (c.MemoryId, c.Purged)));
    }

    [Fact]
    public async Task A_change_feed_grown_before_the_upgrade_keeps_each_memorys_newest_entry()
    {
        await using var db = new TestDatabase();
        AddOutcome recalled, other;
        string cubeId;
        await using (var memory = db.OpenMemory())
        {
            cubeId = (await memory.CreateCubeAsync(TestDatabase.Alice, "notes")).Id;
            recalled = await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("the boat is blue"));
            other = await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("the car is red"));
        }

        // The file back at version 10, where every update of a row appended an entry: five recalls' worth.
        using (var raw = db.Raw())
        using (var cmd = raw.CreateCommand())
        {
            cmd.CommandText = SqliteSchemaRewinds.WithoutCanonicalContentHashes + SqliteSchemaRewinds.WithoutValidFromOffsets + SqliteSchemaRewinds.WithoutFeedCompaction + "PRAGMA user_version = 10;"
                + string.Concat(Enumerable.Repeat($"UPDATE memories SET recall_count = recall_count + 1 WHERE id = '{recalled.Id}';", 5));
            cmd.ExecuteNonQuery();
        }

        Assert.Equal(7, db.Scalar("SELECT COUNT(*) FROM memory_changes"));
        long head = db.Scalar("SELECT MAX(seq) FROM memory_changes");

        var store = db.OpenStore();
        var feed = await store.ReadChangesAsync("acme", cubeId, 0, 100);
        Assert.Equal([other.Id, recalled.Id], feed.Select(c => c.MemoryId));
        Assert.Equal(head, feed[^1].Sequence);
        Assert.Equal(head, await store.GetChangeSequenceAsync("acme", cubeId));
    }

    [Fact]
    public async Task The_full_text_index_is_rewritten_only_when_an_indexed_column_changes()
    {
        await using var db = new TestDatabase();
        var memory = db.OpenMemory();
        await memory.CreateCubeAsync(TestDatabase.Alice, "notes");
        var id = (await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("alpha bravo kayak"))).Id;
        var other = (await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("echo foxtrot paddle"))).Id;
        string before = FtsPages(db);

        // A new version that changes no indexed column (state, links) leaves the index's pages as they were ...
        await memory.SetStateAsync(TestDatabase.Alice, id, LifecycleState.Archived, "faded");
        await memory.SetStateAsync(TestDatabase.Alice, id, LifecycleState.Active, "needed again");
        await memory.UpdateAsync(TestDatabase.Alice, id, new MemoryChange { Links = [new MemoryLink(other, "related")] });
        Assert.Equal(before, FtsPages(db));
        AssertIndexInStep(db);

        // ... and one that does (text, tags) rewrites them, so search follows the new text only.
        await memory.UpdateAsync(TestDatabase.Alice, id, new MemoryChange { Text = "charlie delta canoe" });
        Assert.NotEqual(before, FtsPages(db));
        string afterText = FtsPages(db);
        await memory.UpdateAsync(TestDatabase.Alice, id, new MemoryChange { Tags = ["boats"] });
        Assert.NotEqual(afterText, FtsPages(db));
        AssertIndexInStep(db);
        Assert.Empty(await memory.SearchAsync(TestDatabase.Alice, "notes", "kayak"));
        Assert.Equal(id, Assert.Single(await memory.SearchAsync(TestDatabase.Alice, "notes", "canoe")).Item.Id);
    }

    /// <summary>Every page of the full-text index, as one string.</summary>
    private static string FtsPages(TestDatabase db)
    {
        using var raw = db.Raw();
        using var cmd = raw.CreateCommand();
        cmd.CommandText = "SELECT group_concat(id || ':' || hex(block), ',') FROM (SELECT id, block FROM memories_fts_data ORDER BY id);";
        return (string)cmd.ExecuteScalar()!;
    }

    /// <summary>FTS5's own check that the index holds exactly the content table's rows (rank 1: compare with the content).</summary>
    private static void AssertIndexInStep(TestDatabase db)
    {
        using var raw = db.Raw();
        using var cmd = raw.CreateCommand();
        cmd.CommandText = "INSERT INTO memories_fts(memories_fts, rank) VALUES ('integrity-check', 1);";
        cmd.ExecuteNonQuery();
    }

    private static string WalMode(TestDatabase db)
    {
        using var raw = db.Raw();
        using var cmd = raw.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode;";
        return (string)cmd.ExecuteScalar()!;
    }
}
