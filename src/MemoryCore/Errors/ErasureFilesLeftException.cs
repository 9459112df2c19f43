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
}
