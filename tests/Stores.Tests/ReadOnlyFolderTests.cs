using AgentMem.MemoryCore.Errors;
using AgentMem.Stores.Sqlite;
using AgentMem.TestSupport;
using Microsoft.Data.Sqlite;

namespace AgentMem.Stores.Tests;

/// <summary>
/// A database in a folder nobody may write (a read-only file system: a backup snapshot, a read-only container volume).
/// In WAL mode SQLite must create <c>FILE-shm</c> beside the file even to read, so every open failed with SQLite's bare
/// "unable to open database file", which named neither the cause nor a way round it.
/// </summary>
public sealed class ReadOnlyFolderTests : IDisposable
{
    private readonly TempFolder folder = new("read-only-db");
    private bool mounted;

    public void Dispose()
    {
        if (mounted)
        {
            Run("umount", Data);
        }
        else if (!OperatingSystem.IsWindows() && Directory.Exists(Data))
        {
            File.SetUnixFileMode(Data, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        folder.Dispose();
    }

    // Runs a system command; false when it cannot be run or fails.
    private static bool Run(string command, params string[] arguments)
    {
        try
        {
            using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(command, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private string Data => Path.Combine(folder.Path, "data");

    [SkippableFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // Unix file modes make the folder read-only
    public async Task Opening_a_database_whose_folder_cannot_be_written_names_the_read_only_folder_and_the_way_round()
    {
        Directory.CreateDirectory(Data);

        // Root writes into a folder whatever its mode (CI runs as root): there, the folder becomes a small file system that
        // is remounted read-only below, as a read-only volume is.
        if (Environment.IsPrivilegedProcess)
        {
            mounted = Run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", Data);
            Skip.IfNot(mounted, "running as root, and a tmpfs could not be mounted to make a read-only folder");
        }

        string path = Path.Combine(Data, "memory.db");
        await using (var store = SqliteMemoryStore.Open(path))
        {
            Assert.NotNull(await store.ListCubesAsync("acme"));
        }

        SqliteConnection.ClearAllPools(); // the last connection closes: SQLite removes -wal and -shm
        Assert.False(File.Exists(path + "-shm"));
        if (mounted)
        {
            Assert.True(Run("mount", "-o", "remount,ro", Data), "the tmpfs could not be remounted read-only");
        }
        else
        {
            File.SetUnixFileMode(Data, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        }

        var error = Assert.Throws<StoreUnavailableException>(() => SqliteMemoryStore.Open(path));

        Assert.Contains(Data, error.Message, StringComparison.Ordinal);
        Assert.Contains("read-only", error.Message, StringComparison.Ordinal);
        Assert.Contains("memory.db-shm", error.Message, StringComparison.Ordinal);
        Assert.IsType<SqliteException>(error.InnerException);
    }

    [Fact]
    public void A_folder_that_can_be_written_is_not_blamed_when_the_file_cannot_be_opened()
    {
        // A directory where the database file should be: SQLite cannot open it either, but the folder is fine.
        Directory.CreateDirectory(Data);
        string path = Path.Combine(Data, "memory.db");
        Directory.CreateDirectory(path);

        var error = Assert.ThrowsAny<Exception>(() => SqliteMemoryStore.Open(path));

        Assert.DoesNotContain("read-only", error.Message, StringComparison.Ordinal);
    }
}
