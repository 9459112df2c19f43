namespace AgentMem.MemoryCore.Errors;

/// <summary>The operation is not allowed in the memory's lifecycle state (e.g. updating a deleted memory).</summary>
public class MemoryStateException : AgentMemException
{
    /// <summary>Creates the exception.</summary>
    public MemoryStateException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public MemoryStateException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public MemoryStateException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
