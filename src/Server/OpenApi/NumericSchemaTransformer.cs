using Microsoft.OpenApi;

namespace AgentMem.Server.OpenApi;

/// <summary>
/// Documents numbers as numbers only. The web JSON defaults also read numbers written as strings, so the generated schema
/// allows <c>"string"</c> with a digits pattern; the service always writes numbers, and generated clients should send them.
/// </summary>
internal sealed class NumericSchemaTransformer : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (schema.Type is { } type && (type & (JsonSchemaType.Integer | JsonSchemaType.Number)) != 0 && (type & JsonSchemaType.String) != 0)
        {
            schema.Type = type & ~JsonSchemaType.String;
            schema.Pattern = null;
        }

        return Task.CompletedTask;
    }
}
