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

    /// <summary>
    /// The answer to naming an id the tenant does not have. A host hiding a memory the caller may not read answers with this
    /// too, word for word.
    /// </summary>
    public static MemoryNotFoundException Unknown(string id) => new($"No memory {id} in this tenant.");
}
