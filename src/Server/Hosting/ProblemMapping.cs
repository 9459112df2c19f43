namespace AgentMem.Server.Hosting;

/// <summary>
/// Maps AgentMem's typed errors to HTTP statuses, so every handler can just let them propagate, and words the problems the
/// framework answers with a status alone.
/// </summary>
internal static class ProblemMapping
{
    /// <summary>The title of a 413 for a request body over the service's limit.</summary>
    public const string BodyTooLargeTitle = "Request body too large";

    /// <summary>The title of a 415 for a request body that is not JSON.</summary>
    public const string BodyNotJsonTitle = "Unsupported media type";

    /// <summary>The detail of that 415: the content type to send.</summary>
    public const string BodyNotJson = "The request body must be JSON: send it with Content-Type: application/json.";

    /// <summary>The status and title for an exception, or null when it is not one the client caused.</summary>
    public static (int Status, string Title)? Map(Exception exception) => exception switch
    {
        // Most specific first: ContentTooLargeException is a MemoryValidationException.
        ContentTooLargeException => (StatusCodes.Status413PayloadTooLarge, "Content too large"),
        MemoryValidationException => (StatusCodes.Status400BadRequest, "Invalid request"),
        MemoryNotFoundException or CubeNotFoundException => (StatusCodes.Status404NotFound, "Not found"),
        AccessDeniedException => (StatusCodes.Status403Forbidden, "Access denied"),
        MemoryFrozenException or MemoryStateException or CubeAlreadyExistsException or CubeFullException => (StatusCodes.Status409Conflict, "Conflict"),
        StorageFullException => (StatusCodes.Status507InsufficientStorage, "Insufficient storage"),

        // Not the client's doing, but the client must learn that its erasure happened (a retry finds nothing) and what is left.
        ErasureFilesLeftException => (StatusCodes.Status500InternalServerError, "Erasure committed, files left"),
        BadHttpRequestException bad => (bad.StatusCode, bad.StatusCode switch
        {
            StatusCodes.Status413PayloadTooLarge => BodyTooLargeTitle,
            StatusCodes.Status415UnsupportedMediaType => BodyNotJsonTitle,
            _ => "Bad request",
        }),
        _ => null,
    };

    /// <summary>
    /// The detail for a route that takes a JSON body of <paramref name="shape"/> but got none (an empty body or the literal
    /// <c>null</c>): the schema's name, as the OpenAPI document lists it.
    /// </summary>
    public static string BodyRequired(Type shape) => $"A JSON body is required: an object of the {shape.Name} schema in /openapi/v1.json.";

    /// <summary>The detail of a 413 for a request body over <paramref name="limit"/> bytes, declared or streamed.</summary>
    public static string BodyTooLarge(long limit) => $"The request body is larger than the limit of {limit} bytes.";

    /// <summary>
    /// Words a problem the framework answered with a status alone (written by the status-code pages, with no detail): a
    /// streamed body that ran over <paramref name="maxRequestBodyBytes"/> (413; the binder swallows the server's error and
    /// sets the status) gets the answer a declared one gets, and a body of another content type (415) is told the one to send,
    /// as a body without a content type is (the binder throws for that one, and <see cref="ErrorMiddleware"/> answers it).
    /// </summary>
    public static void ExplainStatus(ProblemDetailsContext problem, long maxRequestBodyBytes)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var details = problem.ProblemDetails;
        if (details.Detail is not null)
        {
            return;
        }

        if (details.Status == StatusCodes.Status413PayloadTooLarge)
        {
            details.Title = BodyTooLargeTitle;
            details.Detail = BodyTooLarge(maxRequestBodyBytes);
        }
        else if (details.Status == StatusCodes.Status415UnsupportedMediaType)
        {
            details.Title = BodyNotJsonTitle;
            details.Detail = BodyNotJson;
        }
    }
}
