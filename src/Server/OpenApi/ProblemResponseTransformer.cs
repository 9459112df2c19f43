using Microsoft.OpenApi;

namespace AgentMem.Server.OpenApi;

/// <summary>
/// Replaces the generic reason phrases of problem responses (<c>Bad Request</c>, ...) with when this service answers them,
/// as in <c>ProblemMapping</c>, <c>ErrorMiddleware</c> and <c>ApiKeyMiddleware</c>.
/// </summary>
internal sealed class ProblemResponseTransformer : IOpenApiOperationTransformer
{
    private static readonly Dictionary<string, string> Descriptions = new(StringComparer.Ordinal)
    {
        [Code(StatusCodes.Status400BadRequest)] = "Invalid input (empty text, bad `k`, `limit` or id, unknown `mode`) or malformed JSON.",
        [Code(StatusCodes.Status401Unauthorized)] = "Missing or unknown API key.",
        [Code(StatusCodes.Status403Forbidden)] = "The cube's grants do not allow the acting user or agent, or the key is bound to another user or agent.",
        [Code(StatusCodes.Status404NotFound)] = "No such memory or cube in this tenant (another tenant's data answers the same).",
        [Code(StatusCodes.Status409Conflict)] = "The memory is frozen or deleted, the cube name is taken, or the cube is full.",
        [Code(StatusCodes.Status413PayloadTooLarge)] = "The request body is over the service's limit, or a memory's text is over the content limit.",
        [Code(StatusCodes.Status415UnsupportedMediaType)] = "The request body was not sent as JSON: send it with `Content-Type: application/json`.",
        [Code(StatusCodes.Status500InternalServerError)] = "Titled `Erasure committed, files left`: the erasure is done and a retry finds nothing, so do not retry; "
            + "files it could not delete are left for an operator, whom the server log tells which. Any other 500 is an unexpected error.",
        [Code(StatusCodes.Status507InsufficientStorage)] = "The disk holding the store is full: nothing was written. Retry once space is freed.",
    };

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        foreach (var (status, response) in operation.Responses ?? [])
        {
            if (Descriptions.TryGetValue(status, out string? description) && response is OpenApiResponse concrete)
            {
                concrete.Description = description;
            }
        }

        return Task.CompletedTask;
    }

    private static string Code(int status) => status.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
