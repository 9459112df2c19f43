namespace AgentMem.Retrieval.Embeddings;

/// <summary>
/// Input an embedder refuses: empty or whitespace-only text, or no inputs where some are required. Every embedder of
/// this library throws it for such input; it is a <see cref="MemoryValidationException"/>, so hosts treat it as bad
/// input (the server answers 400, as for any other invalid request).
/// </summary>
public sealed class EmbeddingInputException : MemoryValidationException
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
        : base(message, innerException!) // Exception itself takes a null cause
    {
    }
}
