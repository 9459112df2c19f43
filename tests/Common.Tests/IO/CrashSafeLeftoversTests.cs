using AgentMem.Common.IO;

namespace AgentMem.Common.Tests.IO;

public sealed class CrashSafeLeftoversTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), $"agentmem-leftovers-{Guid.NewGuid():N}");

    public CrashSafeLeftoversTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>A temporary file as <see cref="CrashSafeFile"/> names one, last written <paramref name="age"/> ago.</summary>
    private string Leftover(TimeSpan age, string? inFolder = null)
    {
        string path = Path.Combine(inFolder ?? folder, $".agentmem-{Guid.NewGuid():N}.tmp");
        File.WriteAllBytes(path, [1, 2, 3]);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow - age);
        return path;
    }

    /// <summary>Files whose names only look like a temporary file's: never deleted, however old.</summary>
    private string[] Lookalikes()
    {
        string[] names = [".agentmem-notes.tmp", "agentmem-0123456789abcdef0123456789abcdef.tmp", ".agentmem-0123456789abcdef0123456789abcdef.tmp.bak", "data.tmp"];
        return names.Select(name =>
        {
            string path = Path.Combine(folder, name);
            File.WriteAllBytes(path, [1]);
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddDays(-1));
            return path;
        }).ToArray();
    }

    [Fact]
    public void A_locked_folder_loses_every_leftover_however_recent_and_nothing_else()
    {
        string fresh = Leftover(TimeSpan.Zero);
        string old = Leftover(TimeSpan.FromDays(1));
        string nested = Path.Combine(folder, "sub");
        Directory.CreateDirectory(nested);
        string inSubfolder = Leftover(TimeSpan.FromDays(1), nested);
        var lookalikes = Lookalikes();

        Assert.Equal(2, CrashSafeLeftovers.SweepLocked(folder));
        Assert.False(File.Exists(fresh));
        Assert.False(File.Exists(old));
        Assert.True(File.Exists(inSubfolder)); // only the folder named
        Assert.All(lookalikes, path => Assert.True(File.Exists(path), path));
    }

    [Fact]
    public void A_shared_folder_loses_only_the_leftovers_unwritten_for_an_hour()
    {
        Assert.Equal(TimeSpan.FromHours(1), CrashSafeLeftovers.AbandonedAfter);
        string abandoned = Leftover(CrashSafeLeftovers.AbandonedAfter + TimeSpan.FromMinutes(1));
        string recent = Leftover(CrashSafeLeftovers.AbandonedAfter - TimeSpan.FromMinutes(5));
        string writing = Leftover(TimeSpan.Zero);
        var lookalikes = Lookalikes();

        Assert.Equal(1, CrashSafeLeftovers.SweepAbandoned(folder));
        Assert.False(File.Exists(abandoned));
        Assert.True(File.Exists(recent));
        Assert.True(File.Exists(writing));
        Assert.All(lookalikes, path => Assert.True(File.Exists(path), path));
    }

    [Fact]
    public void A_missing_folder_is_nothing_to_sweep_and_a_blank_name_is_refused()
    {
        Assert.Equal(0, CrashSafeLeftovers.SweepLocked(Path.Combine(folder, "missing")));
        Assert.Equal(0, CrashSafeLeftovers.SweepAbandoned(Path.Combine(folder, "missing")));
        Assert.Throws<ArgumentException>(() => CrashSafeLeftovers.SweepLocked(" "));
    }

    [Fact]
    public void The_name_a_write_gives_its_temporary_file_is_swept()
    {
        // A killed writer leaves its temporary file under the name it was given: the same name, recreated after a failed
        // write (which deletes its own), is what the sweep must find.
        string path = Path.Combine(folder, "data.bin");
        string? temp = null;
        Assert.Throws<InvalidOperationException>(() => CrashSafeFile.Write(path, stream =>
        {
            temp = Assert.Single(Directory.GetFiles(folder));
            throw new InvalidOperationException("killed");
        }));
        Assert.Empty(Directory.GetFiles(folder));

        File.WriteAllBytes(temp!, [1]);
        Assert.Equal(1, CrashSafeLeftovers.SweepLocked(folder));
        Assert.Empty(Directory.GetFiles(folder));
    }
}
