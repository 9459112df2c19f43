namespace AgentMem.MemoryCore.Errors;

/// <summary>The database was written by a newer AgentMem with a schema this version cannot read.</summary>
public class SchemaVersionException : StoreFormatException
{
    /// <summary>Creates the exception.</summary>
    public SchemaVersionException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public SchemaVersionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public SchemaVersionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
