using System.Diagnostics;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.Retrieval.Lexical;
using AgentMem.Stores.Sqlite;
using Microsoft.Data.Sqlite;

namespace AgentMem.Stores.Tests;

/// <summary>How long a write waits for another connection's write lock: <see cref="SqliteStoreOptions.BusyTimeout"/>, below a second too.</summary>
public sealed class SqliteBusyTimeoutTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(300)]
    [InlineData(1_500)]
    public async Task A_write_waits_for_another_connections_lock_as_long_as_the_busy_timeout_and_no_longer(int milliseconds)
    {
        // Microsoft.Data.Sqlite retries a busy statement every 150 ms for its command timeout in whole seconds, 0 meaning
        // forever, on top of SQLite's own wait: a busy timeout of 0 (no wait) waited forever, 300 ms a second and more,
        // 1.5 s twice that.
        await using var db = new TestDatabase();
        var busyTimeout = TimeSpan.FromMilliseconds(milliseconds);
        await using var store = SqliteMemoryStore.Open(new SqliteStoreOptions { Path = db.FilePath, BusyTimeout = busyTimeout });
        var memory = new MemoryOS(store, new Bm25Retriever(store));
        await memory.CreateCubeAsync(TestDatabase.Alice, "notes");
        // The write path once before the clock starts, so what is timed is the wait, not the first call's JIT and setup.
        await memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("a write before the lock"));

        using var other = db.Raw();
        using (var hold = other.CreateCommand())
        {
            hold.CommandText = "BEGIN IMMEDIATE;";
            hold.ExecuteNonQuery();
        }

        // Off the test's thread (the library's retries sleep synchronously), and bounded, so a wait that never ends fails
        // the test instead of hanging the run; closing the other connection then lets it finish.
        var watch = Stopwatch.StartNew();
        var write = Task.Run(() => memory.AddAsync(TestDatabase.Alice, "notes", new MemoryDraft("the lock is taken")));
        var ex = await Assert.ThrowsAsync<SqliteException>(() => write.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(5, ex.SqliteErrorCode); // SQLITE_BUSY
        // The old waits were a second or more past the timeout (or forever); the slack is for a busy CI machine.
        Assert.InRange(watch.Elapsed, busyTimeout, busyTimeout + TimeSpan.FromMilliseconds(900));
    }
}
