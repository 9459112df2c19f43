using System.Text.Json.Nodes;

namespace AgentMem.Server.OpenApi;

/// <summary>Puts a JSON request body example on one endpoint's OpenAPI operation.</summary>
internal static class RequestExampleExtensions
{
    public static RouteHandlerBuilder WithRequestExample(this RouteHandlerBuilder builder, [System.Diagnostics.CodeAnalysis.StringSyntax("Json")] string json)
    {
        // Parsed once, at mapping: a broken example fails at startup (and in the tests), not in a client.
        var example = JsonNode.Parse(json) ?? throw new ArgumentException("The example must be a JSON value.", nameof(json));
        return builder.AddOpenApiOperationTransformer((operation, context, cancellationToken) =>
        {
            if (operation.RequestBody?.Content is { } content && content.TryGetValue("application/json", out var media))
            {
                media.Example = example.DeepClone();
            }

            return Task.CompletedTask;
        });
    }
}
