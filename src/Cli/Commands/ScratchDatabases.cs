namespace AgentMem.Cli.Commands;

/// <summary>
/// Databases a benchmark verb makes for one run on a PostgreSQL server (<c>--postgres</c>): named after the server's
/// database, the verb, the run and the part of the run; dropped afterwards with the node-local indexes derived from them.
/// </summary>
internal static class ScratchDatabases
{
    /// <summary>The server <paramref name="uri"/> names; <paramref name="option"/> is how the verb spells the flag in the error.</summary>
    public static PostgresLocation Server(string uri, string option = "--postgres") =>
        StoreLocation.Parse(uri) as PostgresLocation ?? throw new MemoryValidationException($"{option} takes a postgresql:// URI; '{uri}' is not one.");

    /// <summary>Creates the empty database for part <paramref name="name"/> of run <paramref name="run"/> of <paramref name="verb"/>.</summary>
    public static async Task<PostgresLocation> CreateAsync(PostgresLocation server, string verb, string run, string name, CancellationToken cancellationToken)
    {
        var database = server.WithDatabase($"{server.Database}_{verb}_{run}_{name.Replace('-', '_')}");
        await database.CreateDatabaseAsync(cancellationToken).ConfigureAwait(false);
        return database;
    }

    /// <summary>Drops <paramref name="database"/> and removes the index folder this machine derived from it.</summary>
    public static async Task DropAsync(PostgresLocation database, CancellationToken cancellationToken)
    {
        await database.DropDatabaseAsync(cancellationToken).ConfigureAwait(false);
        if (Directory.Exists(database.DefaultIndexDirectory))
        {
            Directory.Delete(database.DefaultIndexDirectory, recursive: true);
        }
    }
}
