using AgentMem.Common.IO;

namespace AgentMem.Common.Tests.IO;

public sealed class AbandonedFoldersTests : IDisposable
{
    // A prefix of this test's own, so that the sweep sees no other process's folders.
    private readonly string prefix = $"agentmem-sweep-{Guid.NewGuid():N}-";

    public void Dispose()
    {
        foreach (string left in Directory.EnumerateDirectories(Path.GetTempPath(), prefix + "*"))
        {
            Directory.Delete(left, recursive: true);
        }
    }

    /// <summary>A folder named with the prefix, holding <paramref name="files"/> (empty) and, when given, the subfolder <paramref name="subfolder"/> with a file.</summary>
    private string Folder(string name, string[] files, string? subfolder = null)
    {
        string path = Path.Combine(Path.GetTempPath(), prefix + name);
        Directory.CreateDirectory(path);
        foreach (string file in files)
        {
            File.WriteAllBytes(Path.Combine(path, file), []);
        }

        if (subfolder is not null)
        {
            Directory.CreateDirectory(Path.Combine(path, subfolder));
            File.WriteAllBytes(Path.Combine(path, subfolder, "data"), [1]);
        }

        return path;
    }

    [Fact]
    public void Folders_whose_owner_is_gone_are_deleted_and_every_other_is_left()
    {
        // Left by killed processes: files (or only a subfolder) and a lock file nobody holds (it died with its holder).
        string dead = Folder("dead", ["bench.db", "bench.db-wal", "owner.lock"]);
        string deadWithSubfolder = Folder("dead-sub", ["owner.lock"], subfolder: "index");

        // Alive: its lock is held. Being made: nothing but its lock file yet. Not made this way: no lock file.
        string alive = Folder("alive", ["bench.db"]);
        string beingMade = Folder("made", ["owner.lock"]);
        string foreign = Folder("foreign", ["notes.txt"]);
        using var held = FolderLock.Take(alive, "owner.lock");

        int deleted = AbandonedFolders.Sweep(prefix, "owner.lock");

        Assert.Equal(2, deleted);
        Assert.False(Directory.Exists(dead));
        Assert.False(Directory.Exists(deadWithSubfolder));
        Assert.True(File.Exists(Path.Combine(alive, "bench.db")));
        Assert.True(Directory.Exists(beingMade));
        Assert.True(File.Exists(Path.Combine(foreign, "notes.txt")));
    }
}
