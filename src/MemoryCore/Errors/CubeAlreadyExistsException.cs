namespace AgentMem.MemoryCore.Errors;

/// <summary>A cube with that name already exists in this tenant.</summary>
public class CubeAlreadyExistsException : AgentMemException
{
    /// <summary>Creates the exception.</summary>
    public CubeAlreadyExistsException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public CubeAlreadyExistsException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public CubeAlreadyExistsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
