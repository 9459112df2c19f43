namespace AgentMem.MemoryCore.Errors;

/// <summary>A write was attempted on a Frozen memory.</summary>
public class MemoryFrozenException : AgentMemException
{
    /// <summary>Creates the exception.</summary>
    public MemoryFrozenException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public MemoryFrozenException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public MemoryFrozenException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
