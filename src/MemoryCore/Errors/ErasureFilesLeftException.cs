namespace AgentMem.MemoryCore.Errors;

/// <summary>
/// An erasure (a purge, a cube delete, forgetting a user) was committed: the memories are gone from the store and its
/// indexes. But the cartridge or adapter files computed from their text, listed in <see cref="Files"/>, could not be
/// deleted and still hold it: delete them by hand. Running the erasure again does not help, since the memories that named
/// the files are gone. Also thrown when a change listener failed to drop what it derived from them (an index snapshot):
/// its error is the <see cref="Exception.InnerException"/>, and <see cref="Files"/> lists only the payload files left.
/// An <see cref="IOException"/>, as this error was before it had a type of its own.
/// </summary>
public class ErasureFilesLeftException : IOException
{
    /// <summary>Creates the exception.</summary>
    public ErasureFilesLeftException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ErasureFilesLeftException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public ErasureFilesLeftException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a message naming the files, and their local paths.</summary>
    public ErasureFilesLeftException(string message, IReadOnlyList<string> files)
        : base(message)
    {
        ArgumentNullException.ThrowIfNull(files);
        Files = files;
    }

    /// <summary>Creates the exception with a message naming the files, their local paths, and the error that left something behind.</summary>
    public ErasureFilesLeftException(string message, IReadOnlyList<string> files, Exception? innerException)
        : base(message, innerException)
    {
        ArgumentNullException.ThrowIfNull(files);
        Files = files;
    }

    /// <summary>The local paths of the files left behind.</summary>
    public IReadOnlyList<string> Files { get; } = [];

    /// <summary>
    /// How many memories the committed erasure removed (those derived from them included), for a caller that counts what
    /// was erased, such as a TTL sweep; 0 when the thrower did not say.
    /// </summary>
    public int Erased { get; init; }

    /// <summary>
    /// What was left behind, as a clause without paths or ids for a client that must not see them: the count of files, and
    /// whether a change listener failed (with no file left, a count of zero files said nothing had gone wrong).
    /// </summary>
    public string LeftSummary
    {
        get
        {
            string files = $"{Files.Count} cartridge or adapter file(s) computed from the erased memories could not be deleted and still hold their text";
            string listener = "what an index derived from the erased memories (a snapshot, a cache) could not be dropped";
            return (Files.Count > 0, InnerException is not null) switch
            {
                (true, true) => $"{files}, and {listener}",
                (true, false) => files,
                _ => listener,
            };
        }
    }
}
