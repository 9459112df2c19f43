using AgentMem.Stores.Locations;
using AgentMem.Stores.Postgres;
using Npgsql;

namespace AgentMem.Stores.Tests.Postgres;

/// <summary>A database created for one test on the test server (the role has CREATEDB), dropped on dispose.</summary>
internal sealed class TempPostgresDatabase : IAsyncDisposable
{
    private TempPostgresDatabase(string name, string connectionString)
    {
        Name = name;
        ConnectionString = connectionString;
    }

    public string Name { get; }

    /// <summary>Keyword connection string of the new database.</summary>
    public string ConnectionString { get; }

    public static async Task<TempPostgresDatabase> CreateAsync()
    {
        string name = "agentmem_test_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = await PostgresTestServer.RawAsync())
        await using (var create = new NpgsqlCommand($"CREATE DATABASE {name};", admin))
        {
            await create.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(PostgresConnectionString.ToKeywordForm(PostgresTestServer.Uri())) { Database = name };
        return new TempPostgresDatabase(name, builder.ConnectionString);
    }

    public PostgresStoreOptions Options() => new() { ConnectionString = ConnectionString };

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = await PostgresTestServer.RawAsync(ConnectionString);
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync() => await PostgresLocation.FromUri(PostgresTestServer.Uri()).WithDatabase(Name).DropDatabaseAsync();
}
