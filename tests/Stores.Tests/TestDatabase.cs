using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.Retrieval.Lexical;
using AgentMem.Stores.Sqlite;
using Microsoft.Data.Sqlite;

namespace AgentMem.Stores.Tests;

/// <summary>A database file in its own temporary folder, removed on dispose.</summary>
internal sealed class TestDatabase : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> opened = [];

    public TestDatabase()
    {
        FilePath = folder.File("memory.db");
    }

    private readonly TempFolder folder = new("stores");

    public string Folder => folder.Path;

    public string FilePath { get; }

    public static Scope Alice { get; } = new("acme", "alice");

    public SqliteMemoryStore OpenStore()
    {
        var store = SqliteMemoryStore.Open(FilePath);
        opened.Add(store);
        return store;
    }

    public MemoryOS OpenMemory(MemoryOSOptions? options = null, TimeProvider? time = null)
    {
        var store = SqliteMemoryStore.Open(FilePath);
        var memory = new MemoryOS(store, new Bm25Retriever(store), options, time);
        opened.Add(memory);
        return memory;
    }

    /// <summary>A raw connection for checks below the API (what is physically in the file).</summary>
    public SqliteConnection Raw()
    {
        var c = new SqliteConnection($"Data Source={FilePath};Pooling=False");
        c.Open();
        return c;
    }

    public long Scalar(string sql, params (string Name, object Value)[] args)
    {
        using var c = Raw();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in args)
        {
            cmd.Parameters.AddWithValue(name, value);
        }

        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var d in opened)
        {
            await d.DisposeAsync();
        }

        folder.Dispose();
    }
}
