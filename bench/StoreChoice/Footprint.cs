namespace AgentMem.StoreChoice.Bench;

/// <summary>What each engine adds to an application's output folder, measured in this harness's own build output.</summary>
internal static class Footprint
{
    public static (long LiteDb, long SqliteManaged, long SqliteNativeLinuxX64, long SqliteNativeAllRids) Measure()
    {
        string bin = AppContext.BaseDirectory;
        long Size(string pattern, string dir) => Directory.Exists(dir)
            ? Directory.EnumerateFiles(dir, pattern, SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length)
            : 0;
        string runtimes = Path.Combine(bin, "runtimes");
        return (
            Size("LiteDB.dll", bin),
            Size("Microsoft.Data.Sqlite.dll", bin) + Size("SQLitePCLRaw.*.dll", bin),
            Size("*e_sqlite3*", Path.Combine(runtimes, "linux-x64")),
            Size("*e_sqlite3*", runtimes));
    }
}
