namespace AgentMem.MemoryCore.Errors;

/// <summary>No memory with that id in this tenant (ids of other tenants are reported the same way).</summary>
public class MemoryNotFoundException : AgentMemException
{
    /// <summary>Creates the exception.</summary>
    public MemoryNotFoundException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public MemoryNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public MemoryNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
