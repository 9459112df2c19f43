namespace AgentMem.MemoryCore.Errors;

/// <summary>No cube with that id or name in this tenant.</summary>
public class CubeNotFoundException : AgentMemException
{
    /// <summary>Creates the exception.</summary>
    public CubeNotFoundException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public CubeNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public CubeNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
