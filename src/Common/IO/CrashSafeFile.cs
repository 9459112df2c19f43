namespace AgentMem.Common.IO;

/// <summary>
/// Replaces a file whole or not at all: the content goes into a temporary file beside it, is flushed to disk, and the temporary
/// file is then renamed over the name, so a reader (or a restart after a crash) sees the old file or the whole new one, never half.
/// </summary>
public static class CrashSafeFile
{
    /// <summary>
    /// Writes <paramref name="path"/> through <paramref name="write"/>, which gets a fresh stream over the temporary file. When
    /// anything fails the temporary file is deleted, the old file is left as it was and the original exception propagates.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(write);
        string temp = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch when (TryDelete(temp))
        {
            throw; // unreachable: the filter cleans up and lets the original exception through
        }
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The folder itself may be gone; the original failure is the one to report.
        }

        return false;
    }
}
