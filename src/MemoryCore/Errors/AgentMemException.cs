namespace AgentMem.MemoryCore.Errors;

/// <summary>Base class of every error AgentMem raises on purpose; the message is meant for the user.</summary>
public class AgentMemException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AgentMemException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public AgentMemException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public AgentMemException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
