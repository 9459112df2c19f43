using AgentMem.Common.IO;

namespace AgentMem.Common.Tests.IO;

public sealed class CrashSafeFileTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), $"agentmem-crashsafe-{Guid.NewGuid():N}");

    public CrashSafeFileTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void Write_replaces_the_file_whole_and_leaves_no_temporary_behind()
    {
        string path = Path.Combine(folder, "data.bin");
        File.WriteAllBytes(path, [1, 2, 3, 4, 5]);
        CrashSafeFile.Write(path, stream => stream.Write([9, 8]));
        Assert.Equal(new byte[] { 9, 8 }, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(folder));
    }

    [Theory]
    [InlineData(219)]
    [InlineData(240)]
    [InlineData(255)] // the longest name most file systems take (NAME_MAX)
    public void A_file_with_a_long_valid_name_is_written(int length)
    {
        // The temporary file was the name plus ".GUID.tmp" (37 more characters): a valid name of 219 or more could never be
        // written, and the error named the temporary file.
        string path = Path.Combine(folder, new string('x', length - ".jsonl".Length) + ".jsonl");
        File.WriteAllBytes(path, [1]);
        CrashSafeFile.Write(path, stream => stream.Write([4, 2]));
        Assert.Equal(new byte[] { 4, 2 }, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(folder));
    }

    [Fact]
    public async Task A_failure_to_write_names_the_file_asked_for_not_the_temporary_one()
    {
        string path = Path.Combine(folder, "missing", "export.jsonl");
        var error = await Assert.ThrowsAnyAsync<IOException>(() => CrashSafeFile.WriteAsync(path, (stream, token) => stream.WriteAsync(new byte[] { 1 }, token).AsTask()));
        Assert.IsType<DirectoryNotFoundException>(error);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(".tmp", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // Unix file modes are what this checks
    public void Replacing_a_private_file_keeps_it_private()
    {
        string path = Path.Combine(folder, "index.snap");
        File.WriteAllBytes(path, [1]);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        CrashSafeFile.Write(path, stream => stream.Write([2]));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(new byte[] { 2 }, File.ReadAllBytes(path));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // symbolic links and folder syncs are what this checks
    public void Writing_through_a_symbolic_link_replaces_its_target_and_keeps_the_link()
    {
        string elsewhere = Path.Combine(folder, "disk2");
        Directory.CreateDirectory(elsewhere);
        string target = Path.Combine(elsewhere, "index.snap");
        File.WriteAllBytes(target, [1]);
        string link = Path.Combine(folder, "index.snap");
        File.CreateSymbolicLink(link, target);

        CrashSafeFile.Write(link, stream => stream.Write([2, 3]));

        Assert.Equal(target, new FileInfo(link).ResolveLinkTarget(returnFinalTarget: true)?.FullName); // still a link, to the same file
        Assert.Equal(new byte[] { 2, 3 }, File.ReadAllBytes(target));
        Assert.Equal([target], Directory.GetFiles(elsewhere)); // no temporary left beside the target

        // The rename is made durable by syncing the folder (there is a handle to sync on Unix; a missing folder is refused, not thrown).
        Assert.True(FolderSync.TrySync(elsewhere));
        Assert.False(FolderSync.TrySync(Path.Combine(folder, "missing")));
    }

    [Fact]
    public void A_failing_writer_leaves_the_old_file_and_no_temporary_and_its_exception_propagates()
    {
        string path = Path.Combine(folder, "data.bin");
        File.WriteAllBytes(path, [1, 2, 3]);
        var thrown = Assert.Throws<InvalidOperationException>(() => CrashSafeFile.Write(path, stream =>
        {
            stream.Write([7, 7, 7, 7]);
            throw new InvalidOperationException("half written");
        }));
        Assert.Equal("half written", thrown.Message);
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(folder));
    }

    [Fact]
    public async Task A_cancelled_asynchronous_writer_leaves_the_old_file_and_no_temporary()
    {
        string path = Path.Combine(folder, "data.bin");
        File.WriteAllBytes(path, [1, 2, 3]);
        using var cancel = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => CrashSafeFile.WriteAsync(path, async (stream, token) =>
        {
            await stream.WriteAsync(new byte[] { 7, 7, 7, 7 }, token);
            await cancel.CancelAsync();
            token.ThrowIfCancellationRequested();
        }, cancel.Token));
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(folder));
    }

    [Fact]
    public async Task Two_writers_of_one_file_do_not_share_a_temporary_file()
    {
        string path = Path.Combine(folder, "data.bin");
        var firstWriting = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var first = CrashSafeFile.WriteAsync(path, async (stream, token) =>
        {
            await stream.WriteAsync(new byte[] { 1, 1 }, token);
            firstWriting.SetResult();
            await release.Task;
        });
        await firstWriting.Task;
        await CrashSafeFile.WriteAsync(path, (stream, token) => stream.WriteAsync(new byte[] { 2, 2, 2 }, token).AsTask());
        Assert.Equal(new byte[] { 2, 2, 2 }, File.ReadAllBytes(path));
        release.SetResult();
        await first;
        Assert.Equal(new byte[] { 1, 1 }, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(folder));
    }
}
