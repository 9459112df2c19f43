using System.Data.Common;

namespace AgentMem.Stores.Postgres;

/// <summary>What deleting a cube removes in PostgreSQL besides what both SQL stores keep (<see cref="SqlMemoryStore.DeleteCubeAsync"/>).</summary>
public sealed partial class PostgresMemoryStore
{
    /// <summary>The cube's change counter goes with its row (the feed entries went with its contents).</summary>
    private protected override async Task DeleteCubeRowAsync(DbConnection conn, DbTransaction? tx, string tenant, string cubeId, CancellationToken ct)
    {
        await DeleteCubeRowsAsync(conn, tx, "DELETE FROM change_counters WHERE tenant = @t AND cube_id = @c;", tenant, cubeId, ct).ConfigureAwait(false);
        await base.DeleteCubeRowAsync(conn, tx, tenant, cubeId, ct).ConfigureAwait(false);
    }
}
