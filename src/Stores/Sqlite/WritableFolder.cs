namespace AgentMem.Stores.Sqlite;

/// <summary>
/// Whether a folder accepts new files, asked only after SQLite failed to open a database in it: a read-only file system
/// or a folder without write permission is then named as the cause.
/// </summary>
internal static class WritableFolder
{
    /// <summary>
    /// Why a new file cannot be created in <paramref name="folder"/>, or null when one can, or when
    /// the folder is not there (another cause, reported as it is). Creates and deletes an empty file to find out.
    /// </summary>
    public static string? Refusal(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return null;
        }

        string probe = Path.Combine(folder, $".agentmem-write-probe-{Guid.NewGuid():N}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }

            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return "no permission to create a file there";
        }
        catch (IOException ex)
        {
            // The system's words ("Read-only file system"), without the probe's own name that .NET appends.
            int named = ex.Message.IndexOf(probe, StringComparison.Ordinal);
            return named < 0 ? ex.Message : ex.Message[..named].TrimEnd(' ', ':', '\'');
        }
    }
}
