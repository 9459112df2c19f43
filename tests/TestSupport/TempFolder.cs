using Microsoft.Data.Sqlite;

namespace AgentMem.TestSupport;

/// <summary>
/// A fresh folder under the system's temporary directory for one test's databases and indexes, removed on dispose
/// (after SQLite's connection pool lets go of the files). The one place tests make and clean up their files.
/// </summary>
public sealed class TempFolder : IDisposable
{
    /// <summary>Creates <c>{temp}/agentmem-tests/{prefix}-{guid}</c>.</summary>
    public TempFolder(string prefix)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "agentmem-tests", $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    /// <summary>The folder.</summary>
    public string Path { get; }

    /// <summary>A path inside the folder.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Releases pooled SQLite connections and deletes the folder (a file still held elsewhere is left, not fatal).</summary>
    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
