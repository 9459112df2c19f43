using System.Text.Json.Nodes;

namespace AgentMem.Server.OpenApi;

/// <summary>Documents one endpoint's JSON request body on its OpenAPI operation.</summary>
internal static class JsonBodyExtensions
{
    /// <summary>
    /// Puts <paramref name="json"/> on the operation as its request body's example and declares the problems every body
    /// may answer: 413 (over the service's request limit) and 415 (not sent as JSON), after the statuses already declared.
    /// </summary>
    public static RouteHandlerBuilder WithJsonBody(this RouteHandlerBuilder builder, [System.Diagnostics.CodeAnalysis.StringSyntax("Json")] string json)
    {
        // Parsed once, at mapping: a broken example fails at startup (and in the tests), not in a client.
        var example = JsonNode.Parse(json) ?? throw new ArgumentException("The example must be a JSON value.", nameof(json));
        return builder.ProducesProblems(StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType).AddOpenApiOperationTransformer((operation, context, cancellationToken) =>
        {
            if (operation.RequestBody?.Content is { } content && content.TryGetValue("application/json", out var media))
            {
                media.Example = example.DeepClone();
            }

            return Task.CompletedTask;
        });
    }
}
