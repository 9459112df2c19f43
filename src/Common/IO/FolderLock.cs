namespace AgentMem.Common.IO;

/// <summary>
/// A lock file held open with <see cref="FileShare.None"/> for as long as its holder works in a folder: a second opener,
/// in this process or another, is refused (on Unix .NET takes an exclusive <c>flock</c> for that share mode). The operating
/// system drops it with the holder's process, so a lock that can be taken has no live holder
/// (<see cref="AbandonedFolders"/> relies on it).
/// </summary>
public static class FolderLock
{
    /// <summary>Opens <paramref name="fileName"/> in <paramref name="folder"/> (which must exist) exclusively, creating it with <see cref="FileMode.OpenOrCreate"/>.</summary>
    /// <param name="folder">The folder the lock guards.</param>
    /// <param name="fileName">The lock file's name in it.</param>
    /// <param name="mode">How to open it: <see cref="FileMode.Open"/> takes only a lock file that exists.</param>
    /// <returns>The lock, held until disposed (or the process ends).</returns>
    /// <exception cref="IOException">Another holder has it open, or it cannot be opened.</exception>
    public static FileStream Take(string folder, string fileName, FileMode mode = FileMode.OpenOrCreate) =>
        new(Path.Combine(folder, fileName), mode, FileAccess.ReadWrite, FileShare.None);

    /// <summary>As <see cref="Take"/>, but null instead of an <see cref="IOException"/> (held elsewhere; with <see cref="FileMode.Open"/>, also missing).</summary>
    /// <param name="folder">The folder the lock guards.</param>
    /// <param name="fileName">The lock file's name in it.</param>
    /// <param name="mode">How to open it.</param>
    /// <returns>The lock, or null.</returns>
    public static FileStream? TryTake(string folder, string fileName, FileMode mode = FileMode.OpenOrCreate)
    {
        try
        {
            return Take(folder, fileName, mode);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
