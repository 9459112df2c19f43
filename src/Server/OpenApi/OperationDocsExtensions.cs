namespace AgentMem.Server.OpenApi;

/// <summary>
/// Documents one endpoint's OpenAPI operation: every /v1 operation has an id, a summary and a description
/// (generated clients name their methods after the id) and lists the problem statuses it can answer.
/// </summary>
internal static class OperationDocsExtensions
{
    /// <summary>Sets the operation id (the endpoint's name), its one-line summary and its description.</summary>
    public static RouteHandlerBuilder Describe(this RouteHandlerBuilder builder, string operationId, string summary, string description) =>
        builder.WithName(operationId).WithSummary(summary).WithDescription(description);

    /// <summary>Declares a problem-details response for each status, in the order given.</summary>
    public static RouteHandlerBuilder ProducesProblems(this RouteHandlerBuilder builder, params ReadOnlySpan<int> statusCodes)
    {
        foreach (int statusCode in statusCodes)
        {
            builder.ProducesProblem(statusCode);
        }

        return builder;
    }

    /// <summary>
    /// Declares what a route that writes may answer beyond its own problems: 507 when the store's disk is full (the write was
    /// rolled back; ProblemMapping maps <c>StorageFullException</c>).
    /// </summary>
    public static RouteHandlerBuilder Writes(this RouteHandlerBuilder builder) =>
        builder.ProducesProblem(StatusCodes.Status507InsufficientStorage);

    /// <summary>
    /// Declares what a route that erases for good may answer: a write's 507, and the 500 that says the erasure is committed
    /// but left files (<c>ErasureFilesLeftException</c>), which a client must not retry; the document is where it learns that.
    /// </summary>
    public static RouteHandlerBuilder Erases(this RouteHandlerBuilder builder) =>
        builder.Writes().ProducesProblem(StatusCodes.Status500InternalServerError);
}
