using System.Runtime.InteropServices;

namespace AgentMem.Common.IO;

/// <summary>
/// Flushes a folder's entries to disk on Unix, so that a rename into it survives a power loss: POSIX makes a rename durable
/// only once the folder itself is synced, and .NET opens no handle on a folder for that. Nothing is done on Windows.
/// </summary>
internal static partial class FolderSync
{
    private const int ReadOnly = 0; // O_RDONLY, the same on Linux and macOS

    // O_CLOEXEC, so a process started at that moment does not inherit the handle; its value differs by platform.
    private static int CloseOnExec => OperatingSystem.IsLinux() ? 0x80000 : OperatingSystem.IsMacOS() ? 0x1000000 : 0;

    /// <summary>Syncs <paramref name="folder"/>; returns false when the platform or the file system refused (best effort: the data itself was already flushed).</summary>
    public static bool TrySync(string folder)
    {
        if (OperatingSystem.IsWindows() || string.IsNullOrEmpty(folder))
        {
            return false;
        }

        try
        {
            int fd = Open(folder, ReadOnly | CloseOnExec);
            if (fd < 0)
            {
                return false;
            }

            try
            {
                return Fsync(fd) == 0;
            }
            finally
            {
                _ = Close(fd);
            }
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // no libc under that name: the file was replaced; only this extra guarantee is missing
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
