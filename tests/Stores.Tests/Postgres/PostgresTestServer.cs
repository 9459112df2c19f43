using AgentMem.MemoryCore.Cubes;
using AgentMem.Stores.Postgres;
using Npgsql;

namespace AgentMem.Stores.Tests.Postgres;

/// <summary>
/// The PostgreSQL server the tests use, from AGENTMEM_TEST_POSTGRES (a URI; <c>.ci/postgres up DIR</c> prints one). Without it
/// the tests skip, unless AGENTMEM_REQUIRE_POSTGRES=1 (CI), where a missing server fails them. Tests share the database and
/// keep apart by tenant; migration tests get a database of their own.
/// </summary>
internal static class PostgresTestServer
{
    /// <summary>The server's URI; skips the test (or fails it, where required) when none is configured.</summary>
    public static string Uri() => PostgresServer.UriOrSkip();

    /// <summary>A tenant no other test uses.</summary>
    public static string NewTenant() => "t" + Guid.NewGuid().ToString("N")[..16];

    /// <summary>A tenant no other test uses, holding one new cube (<see cref="PostgresTestData.Cube"/>) created through <paramref name="store"/>.</summary>
    public static async Task<(string Tenant, MemCube Cube)> NewCubeAsync(PostgresMemoryStore store)
    {
        string tenant = NewTenant();
        var cube = PostgresTestData.Cube(tenant);
        await store.CreateCubeAsync(cube, PostgresTestData.Audit(tenant, "cube.create"));
        return (tenant, cube);
    }

    /// <summary>Opens a store on the shared database (a pool of its own, like another node).</summary>
    public static Task<PostgresMemoryStore> OpenAsync(Action<PostgresStoreOptions>? configure = null)
    {
        var options = new PostgresStoreOptions { ConnectionString = Uri() };
        configure?.Invoke(options);
        return PostgresMemoryStore.OpenAsync(options);
    }

    /// <summary>A raw connection to the shared database as the test role, bound to no tenant.</summary>
    public static async Task<NpgsqlConnection> RawAsync(string? connectionString = null)
    {
        var connection = new NpgsqlConnection(PostgresConnectionString.ToKeywordForm(connectionString ?? Uri()) + ";Pooling=false");
        await connection.OpenAsync();
        return connection;
    }
}
