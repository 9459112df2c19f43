using Microsoft.OpenApi;

namespace AgentMem.Server.OpenApi;

/// <summary>
/// Documents date-times as strings. The service's own reader (<see cref="Hosting.UtcDateTimeOffsetJsonConverter"/>) is
/// opaque to the schema generator, which would otherwise give them a format but no type (and a nullable one no
/// <c>null</c>, so <see cref="NullableMemberSchemaTransformer"/>, which runs after this one, kept it required).
/// </summary>
internal sealed class DateTimeSchemaTransformer : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        if (type == typeof(DateTimeOffset))
        {
            schema.Type = JsonSchemaType.String;
        }
        else if (type == typeof(DateTimeOffset?))
        {
            schema.Type = JsonSchemaType.String | JsonSchemaType.Null;
        }

        return Task.CompletedTask;
    }
}
