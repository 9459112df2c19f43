namespace AgentMem.Retrieval.Embeddings;

/// <summary>Input an embedder refuses: empty or whitespace-only text, or no inputs where some are required.</summary>
public sealed class EmbeddingInputException : AgentMemException
{
    /// <summary>Creates the exception.</summary>
    public EmbeddingInputException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public EmbeddingInputException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public EmbeddingInputException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
