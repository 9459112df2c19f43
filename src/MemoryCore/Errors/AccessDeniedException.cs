namespace AgentMem.MemoryCore.Errors;

/// <summary>The acting scope has no grant for the operation on the cube.</summary>
public class AccessDeniedException : AgentMemException
{
    /// <summary>Creates the exception.</summary>
    public AccessDeniedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public AccessDeniedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public AccessDeniedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
