namespace AgentMem.Common.IO;

/// <summary>
/// Deletes the private working folders under the temp path of processes that died without deleting them (killed,
/// crashed, out of memory), and that nothing else would ever remove: a cube's index folder (<c>agentmem-ann-*</c>), a
/// benchmark's scratch database (<c>agentmem-bench-*</c>). Each such folder is made with a lock file that its process holds
/// (<see cref="FolderLock"/>) from the moment it is made, and which the system drops with the process: a folder whose lock
/// can be taken has no live owner. A folder holding nothing but its lock file may be one being made this moment, before
/// its maker takes the lock, and costs nothing; it is left alone, and so are folders without a lock file (not made this
/// way) and those this process may not touch (another user's).
/// </summary>
public static class AbandonedFolders
{
    /// <summary>Deletes the abandoned folders directly under the temp path whose names start with <paramref name="prefix"/>.</summary>
    /// <param name="prefix">What starts the folders' names, e.g. <c>agentmem-bench-</c>.</param>
    /// <param name="lockFile">The name of the lock file each folder's owner holds in it.</param>
    /// <returns>The number of folders deleted.</returns>
    public static int Sweep(string prefix, string lockFile)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        ArgumentException.ThrowIfNullOrWhiteSpace(lockFile);
        int deleted = 0;
        try
        {
            foreach (string candidate in Directory.EnumerateDirectories(Path.GetTempPath(), prefix + "*"))
            {
                deleted += TryDelete(candidate, lockFile) ? 1 : 0;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The temp path cannot be listed: nothing is swept, and the caller goes on.
        }

        return deleted;
    }

    private static bool TryDelete(string folder, string lockFile)
    {
        try
        {
            var files = Directory.GetFiles(folder).Where(f => Path.GetFileName(f) != lockFile).ToList();
            if (files.Count == 0 && Directory.GetDirectories(folder).Length == 0)
            {
                return false;
            }

            using (var held = FolderLock.TryTake(folder, lockFile, FileMode.Open))
            {
                if (held is null)
                {
                    return false; // its owner lives (or it has no lock file)
                }

                // Emptied while held, so that no other sweeper counts it as abandoned at the same time; the lock file
                // itself goes after (Windows deletes no file held open), when a folder with only it is left alone.
                foreach (string file in files)
                {
                    File.Delete(file);
                }

                foreach (string subfolder in Directory.GetDirectories(folder))
                {
                    Directory.Delete(subfolder, recursive: true);
                }
            }

            Directory.Delete(folder, recursive: true);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Another user's, or swept by another process meanwhile: left as it is.
            return false;
        }
    }
}
