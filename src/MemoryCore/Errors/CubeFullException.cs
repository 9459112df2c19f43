namespace AgentMem.MemoryCore.Errors;

/// <summary>The cube's item limit would be exceeded.</summary>
public class CubeFullException : AgentMemException
{
    /// <summary>Creates the exception.</summary>
    public CubeFullException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public CubeFullException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public CubeFullException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
