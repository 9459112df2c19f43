namespace AgentMem.Retrieval.Vectors;

/// <summary>A vector of the wrong dimension or with NaN/infinity, or an index file that is corrupt or of another format.</summary>
public sealed class VectorFormatException : AgentMemException
{
    /// <summary>Creates the exception.</summary>
    public VectorFormatException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public VectorFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public VectorFormatException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
