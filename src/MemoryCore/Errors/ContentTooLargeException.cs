namespace AgentMem.MemoryCore.Errors;

/// <summary>Content larger than the configured limit.</summary>
public class ContentTooLargeException : MemoryValidationException
{
    /// <summary>Creates the exception.</summary>
    public ContentTooLargeException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ContentTooLargeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public ContentTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
