namespace AgentMem.Common.IO;

/// <summary>
/// Deletes the temporary files that <see cref="CrashSafeFile"/> leaves when its process dies between creating one and
/// renaming it into place (killed, out of memory, a power loss): the target stays whole, but the copy, up to the target's
/// size, stays beside it, and nothing else ever deletes it. Only names <see cref="CrashSafeFile"/> gives
/// (<c>.agentmem-</c>, 32 hex digits, <c>.tmp</c>) are touched, and only directly in the folder named. Best effort: a
/// file that cannot be deleted (still open on Windows, say) is left for the next sweep, and no open fails for it.
/// </summary>
public static class CrashSafeLeftovers
{
    /// <summary>
    /// How long a temporary file must have gone unwritten before <see cref="SweepAbandoned"/> takes it for a dead writer's:
    /// one hour. A save writes its temporary file from creation to rename without pausing, within seconds, so a file
    /// untouched for an hour belongs to no save under way, even with clocks minutes apart between the writer and a file
    /// server. A writer stopped for longer than that (a suspended process) that came back would find its file gone: its
    /// save fails with an error and the file it meant to replace stays as it was.
    /// </summary>
    public static readonly TimeSpan AbandonedAfter = TimeSpan.FromHours(1);

    /// <summary>
    /// Deletes every leftover temporary file in <paramref name="folder"/>, however recent. Only for a folder whose every
    /// writer must hold a lock that the caller holds now (a SPANN index folder and its <c>spann.lock</c>): no save can be
    /// under way in it, so every temporary file there is a dead writer's.
    /// </summary>
    /// <returns>The number of files deleted.</returns>
    public static int SweepLocked(string folder) => Sweep(folder, TimeSpan.Zero);

    /// <summary>
    /// Deletes the leftover temporary files in <paramref name="folder"/> not written to for <see cref="AbandonedAfter"/>: for
    /// a folder that saves of this process or another may be writing into now (a cube's index folder).
    /// </summary>
    /// <returns>The number of files deleted.</returns>
    public static int SweepAbandoned(string folder) => Sweep(folder, AbandonedAfter);

    private static int Sweep(string folder, TimeSpan unwrittenFor)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        int deleted = 0;
        try
        {
            var cutoff = DateTime.UtcNow - unwrittenFor;
            foreach (var file in new DirectoryInfo(folder).EnumerateFiles($"{CrashSafeFile.TempPrefix}*{CrashSafeFile.TempSuffix}"))
            {
                if (IsTemporaryName(file.Name) && (unwrittenFor == TimeSpan.Zero || file.LastWriteTimeUtc <= cutoff) && TryDelete(file))
                {
                    deleted++;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A folder that is missing or cannot be listed holds nothing this can delete; the open reports what it must.
        }

        return deleted;
    }

    /// <summary>Whether <paramref name="name"/> is one <see cref="CrashSafeFile"/> gives a temporary file (the pattern alone also matches others' names).</summary>
    private static bool IsTemporaryName(string name) =>
        name.Length == CrashSafeFile.TempPrefix.Length + 32 + CrashSafeFile.TempSuffix.Length
        && name.StartsWith(CrashSafeFile.TempPrefix, StringComparison.Ordinal)
        && name.EndsWith(CrashSafeFile.TempSuffix, StringComparison.Ordinal)
        && Guid.TryParseExact(name.AsSpan(CrashSafeFile.TempPrefix.Length, 32), "N", out _);

    private static bool TryDelete(FileInfo file)
    {
        try
        {
            file.Delete();
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false; // in use or protected: left for a later sweep
        }
    }
}
