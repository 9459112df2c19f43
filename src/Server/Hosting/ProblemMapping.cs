namespace AgentMem.Server.Hosting;

/// <summary>Maps AgentMem's typed errors to HTTP statuses, so every handler can just let them propagate.</summary>
internal static class ProblemMapping
{
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
        BadHttpRequestException bad => (bad.StatusCode, bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "Bad request"),
        _ => null,
    };

    /// <summary>
    /// The detail for a route that takes a JSON body of <paramref name="shape"/> but got none (an empty body or the literal
    /// <c>null</c>): the schema's name, as the OpenAPI document lists it.
    /// </summary>
    public static string BodyRequired(Type shape) => $"A JSON body is required: an object of the {shape.Name} schema in /openapi/v1.json.";
}
