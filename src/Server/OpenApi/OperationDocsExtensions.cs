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
}
