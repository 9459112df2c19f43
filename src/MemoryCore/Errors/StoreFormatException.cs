namespace AgentMem.MemoryCore.Errors;

/// <summary>The database file is not an AgentMem database, or is damaged.</summary>
public class StoreFormatException : AgentMemException
{
    /// <summary>Creates the exception.</summary>
    public StoreFormatException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public StoreFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public StoreFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
