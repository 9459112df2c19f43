namespace AgentMem.MemoryCore.Errors;

/// <summary>The disk holding the store is full: the write was rolled back and nothing changed; reads still work. Free space and retry.</summary>
public class StorageFullException : AgentMemException
{
    /// <summary>Creates the exception.</summary>
    public StorageFullException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public StorageFullException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public StorageFullException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
