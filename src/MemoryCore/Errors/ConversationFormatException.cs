namespace AgentMem.MemoryCore.Errors;

/// <summary>A conversation file that does not follow the <c>agentmem.conversation.v1</c> format.</summary>
public class ConversationFormatException : AgentMemException
{
    /// <summary>Creates the exception.</summary>
    public ConversationFormatException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ConversationFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public ConversationFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
