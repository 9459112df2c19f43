namespace AgentMem.MemoryCore.Errors;

/// <summary>Input that cannot be stored: empty text, invalid UTF-16, bad names or fields.</summary>
public class MemoryValidationException : AgentMemException
{
    /// <summary>Creates the exception.</summary>
    public MemoryValidationException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public MemoryValidationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public MemoryValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
