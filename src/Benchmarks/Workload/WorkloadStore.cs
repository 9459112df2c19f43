namespace AgentMem.Benchmarks.Workload;

/// <summary>
/// A store engine the workload runs on, as a way to make each engine run's fresh, empty database and to remove it
/// afterwards. The embedded SQLite file is the default; a host adds others (a PostgreSQL server) to compare them side by
/// side in one run.
/// </summary>
/// <param name="Name">Row label prefix in the report when more than one store runs (<c>sqlite</c>, <c>postgres</c>).</param>
/// <param name="CreateAsync">Given the engine's name and the run's work folder, makes an empty database and returns its location (a file path or a URI the host's <see cref="WorkloadOptions.Open"/> and cold probe understand).</param>
/// <param name="DeleteAsync">Removes a database <paramref name="CreateAsync"/> made, with whatever the host derived from it; called after its engine ran, unless the work folder is kept.</param>
public sealed record WorkloadStore(
    string Name,
    Func<string, string, CancellationToken, Task<string>> CreateAsync,
    Func<string, CancellationToken, Task> DeleteAsync)
{
    /// <summary>A SQLite file per engine in the work folder (a kept folder's previous file is replaced); the folder's removal deletes it.</summary>
    public static WorkloadStore SqliteFile { get; } = new("sqlite", CreateFileAsync, (_, _) => Task.CompletedTask);

    private static Task<string> CreateFileAsync(string engine, string directory, CancellationToken cancellationToken)
    {
        string path = Path.Combine(directory, engine + ".db");

        // A kept work folder may hold a previous run's database; every engine starts empty.
        foreach (string suffix in new[] { string.Empty, "-wal", "-shm" })
        {
            File.Delete(path + suffix);
        }

        return Task.FromResult(path);
    }
}
