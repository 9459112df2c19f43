namespace AgentMem.MemoryCore.Errors;

/// <summary>The store cannot be reached or opened: its server is down or refuses the connection, the database is missing, or the credentials are wrong. Nothing was read or written.</summary>
public class StoreUnavailableException : AgentMemException
{
    /// <summary>Creates the exception.</summary>
    public StoreUnavailableException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public StoreUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public StoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
