using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Model;
using AgentMem.Retrieval.Lexical;
using AgentMem.Stores.Sqlite;
using Microsoft.Data.Sqlite;

namespace AgentMem.Stores.Tests;

/// <summary>
/// A purge zeroes what it frees (SQLite <c>secure_delete</c>), a setting of the connection, not of the transaction: the
/// pooled connection must not carry it into the ordinary writes that get it next.
/// </summary>
public sealed class SqliteSecureDeleteTests
{
    [Fact]
    public async Task A_purge_leaves_no_pooled_connection_zeroing_what_later_writes_free()
    {
        await using var db = new TestDatabase();
        var store = db.OpenStore();
        var memory = new MemoryOS(store, new Bm25Retriever(store));
        await memory.CreateCubeAsync(TestDatabase.Alice, "notes");
        var doomed = await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("the locker code is 4417"));
        await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("the gate code is 9021"));

        await memory.PurgeAsync(TestDatabase.Alice, doomed.Id);

        Assert.Equal(0L, db.Scalar($"SELECT count(*) FROM memories WHERE id = '{doomed.Id}'"));
        Assert.All(SecureDeleteOfPooledConnections(store), on => Assert.Equal(0L, on));
    }

    [Fact]
    public async Task A_purge_that_fails_inside_its_transaction_leaves_no_pooled_connection_zeroing_either()
    {
        await using var db = new TestDatabase();
        var store = db.OpenStore();
        var memory = new MemoryOS(store, new Bm25Retriever(store));
        await memory.CreateCubeAsync(TestDatabase.Alice, "notes");
        var doomed = await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("the locker code is 4417"));
        var other = await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("the gate code is 9021"));

        // A damaged snapshot naming the memory: the purge's scrub fails to decode it after the rows are deleted, and the
        // transaction rolls back.
        using (var raw = db.Raw())
        using (var cmd = raw.CreateCommand())
        {
            cmd.CommandText = "INSERT INTO memory_versions(tenant, memory_id, version, snapshot_json, superseded_at) VALUES ('acme', $m, 9, $j, '2024-06-01T10:00:00.0000000+00:00');";
            cmd.Parameters.AddWithValue("$m", other.Id.ToString());
            cmd.Parameters.AddWithValue("$j", $"not json, but it names {doomed.Id}");
            cmd.ExecuteNonQuery();
        }

        await Assert.ThrowsAsync<StoreFormatException>(() => memory.PurgeAsync(TestDatabase.Alice, doomed.Id));

        Assert.Equal(1L, db.Scalar($"SELECT count(*) FROM memories WHERE id = '{doomed.Id}'"));
        Assert.All(SecureDeleteOfPooledConnections(store), on => Assert.Equal(0L, on));
    }

    /// <summary>The <c>secure_delete</c> setting of each connection the store's pool hands out (several held at once, so each pooled one is seen).</summary>
    private static List<long> SecureDeleteOfPooledConnections(SqliteMemoryStore store)
    {
        var connections = Enumerable.Range(0, 4).Select(_ => new SqliteConnection(store.ConnectionString)).ToList();
        try
        {
            var settings = new List<long>();
            foreach (var connection in connections)
            {
                connection.Open();
                using var cmd = connection.CreateCommand();
                cmd.CommandText = "PRAGMA secure_delete;";
                settings.Add((long)cmd.ExecuteScalar()!);
            }

            return settings;
        }
        finally
        {
            connections.ForEach(c => c.Dispose());
        }
    }
}
