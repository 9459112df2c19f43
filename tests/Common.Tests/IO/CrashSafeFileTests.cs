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
}
