namespace AgentMem.Common.IO;

/// <summary>
/// Replaces a file whole or not at all: the content goes into a temporary file beside it, is flushed to disk, and the temporary
/// file is then renamed over the name and the folder synced, so a reader (or a restart after a crash or a power loss) sees the old
/// file or the whole new one, never half. A symbolic link is followed: its final target is replaced and the link kept. The
/// temporary file is <c>.agentmem-GUID.tmp</c> in the target's folder: its name's length does not depend on the target's, so
/// any name the file system takes can be written. A process killed before the rename leaves it behind;
/// <see cref="CrashSafeLeftovers"/> deletes such files.
/// </summary>
public static class CrashSafeFile
{
    /// <summary>What starts the temporary file's name (a dot: hidden on Unix, as an editor's or rsync's).</summary>
    internal const string TempPrefix = ".agentmem-";

    /// <summary>What ends the temporary file's name, after the GUID's 32 hex digits.</summary>
    internal const string TempSuffix = ".tmp";

    /// <summary>
    /// Writes <paramref name="path"/> through <paramref name="write"/>, which gets a fresh stream over the temporary file. When
    /// anything fails the temporary file is deleted, the old file is left as it was and the original exception propagates;
    /// an I/O error that names the temporary file is thrown again, of the same type, naming <paramref name="path"/> instead.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);

        // The stream is synchronous and so is the delegate: the task is complete when it returns.
        WriteAsync(path, (stream, _) =>
        {
            write(stream);
            return Task.CompletedTask;
        }).GetAwaiter().GetResult();
    }

    /// <summary>
    /// Writes <paramref name="path"/> through <paramref name="write"/> as <see cref="Write"/> does, for content written
    /// asynchronously; a cancellation, like any failure, leaves the old file as it was and no temporary file behind.
    /// </summary>
    public static async Task WriteAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(write);
        path = FinalTarget(path);

        // A name of its own: two writers of one file must not share (and truncate) one temporary file. Not the target's name
        // plus a suffix: a valid name within the suffix's length of the file system's limit (255 bytes) could never be written.
        string temp = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $"{TempPrefix}{Guid.NewGuid():N}{TempSuffix}");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 1 << 16 };
            if (!OperatingSystem.IsWindows() && ExistingMode(path) is { } mode)
            {
                options.UnixCreateMode = mode; // the rename must not widen a file kept private (0600) to the umask's default
            }

            var stream = new FileStream(temp, options);
            await using (stream.ConfigureAwait(false))
            {
                await write(stream, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
            FolderSync.TrySync(Path.GetDirectoryName(Path.GetFullPath(path))!); // the rename itself survives a power loss
        }
        catch (Exception ex)
        {
            // Here, not in an exception filter: a filter runs before the stream is closed, and an open file cannot be
            // deleted on Windows.
            TryDelete(temp);
            if (NamingTarget(ex, temp, path) is { } named)
            {
                throw named;
            }

            throw;
        }
    }

    /// <summary>
    /// <paramref name="ex"/> as the caller should see it when it names the temporary file, which the caller never gave ("could
    /// not find a part of the path '….GUID.tmp'"): the same type, with <paramref name="path"/> in its place and the original
    /// as the inner exception. Null for any other exception, which propagates as it is.
    /// </summary>
    private static Exception? NamingTarget(Exception ex, string temp, string path)
    {
        if (ex is not (IOException or UnauthorizedAccessException) || !ex.Message.Contains(temp, StringComparison.Ordinal))
        {
            return null;
        }

        string message = ex.Message.Replace(temp, path, StringComparison.Ordinal);
        return ex switch
        {
            UnauthorizedAccessException => new UnauthorizedAccessException(message, ex),
            DirectoryNotFoundException => new DirectoryNotFoundException(message, ex),
            FileNotFoundException => new FileNotFoundException(message, path, ex),
            PathTooLongException => new PathTooLongException(message, ex),
            _ => new IOException(message, ex),
        };
    }

    /// <summary>
    /// The file a symbolic link at <paramref name="path"/> finally names, so the link (to a file kept on another disk, say)
    /// stays a link and its target gets the content; the path itself when it is no link, or when the link cannot be followed
    /// (a loop, an unreadable link: the write then reports what is wrong). It is the file <see cref="WriteAsync"/> replaces,
    /// so a host can check that file before writing (the CLI refuses an output that would replace its own database).
    /// </summary>
    public static string FinalTarget(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            var file = new FileInfo(path);
            return file.LinkTarget is null ? path : file.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return path; // a link loop or an unreadable link: the write reports what is wrong with the path
        }
    }

    /// <summary>The permissions of the file being replaced, or null for the default when there is none.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static UnixFileMode? ExistingMode(string path)
    {
        try
        {
            return File.Exists(path) ? File.GetUnixFileMode(path) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null; // unreadable attributes: the write itself reports what is wrong with the path
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The folder itself may be gone; the original failure is the one to report.
        }
    }
}
