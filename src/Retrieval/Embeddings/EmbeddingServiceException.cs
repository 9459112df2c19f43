namespace AgentMem.Retrieval.Embeddings;

/// <summary>An embedding service that failed, refused the request, or answered something unusable (wrong count, index or dimension), or a local model whose run failed.</summary>
public sealed class EmbeddingServiceException : AgentMemException
{
    /// <summary>Creates the exception.</summary>
    public EmbeddingServiceException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public EmbeddingServiceException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public EmbeddingServiceException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a message and the HTTP status the service answered.</summary>
    public EmbeddingServiceException(string message, HttpStatusCode? statusCode, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
    }

    /// <summary>The HTTP status of the failed response, or null when there was none (timeout, connection failure, bad body).</summary>
    public HttpStatusCode? StatusCode { get; }
}
