namespace AgentMem.MemoryCore.Errors;

/// <summary>
/// A new version of a memory was not stored because another writer stored one first, after this write read the memory (a
/// lost race: the store's optimistic lock). Read the memory again and retry; <see cref="MemoryOS"/> does so itself for a
/// change that names no expected version.
/// </summary>
public class MemoryVersionConflictException : MemoryStateException
{
    /// <summary>Creates the exception.</summary>
    public MemoryVersionConflictException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public MemoryVersionConflictException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public MemoryVersionConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
