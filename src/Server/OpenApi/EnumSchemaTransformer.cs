using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace AgentMem.Server.OpenApi;

/// <summary>
/// Lists an enum's members, in camelCase as the service reads and writes them. The service's own enum converter
/// (<see cref="Hosting.StrictEnumJsonConverter"/>) is opaque to the schema generator, which would otherwise document any value.
/// </summary>
internal sealed class EnumSchemaTransformer : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        // A nullable enum met first names the shared component schema too; null is the referring member's business.
        var type = Nullable.GetUnderlyingType(context.JsonTypeInfo.Type) ?? context.JsonTypeInfo.Type;
        if (type.IsEnum)
        {
            schema.Enum = [.. Enum.GetNames(type).Select(name => (JsonNode)JsonValue.Create(JsonNamingPolicy.CamelCase.ConvertName(name)))];
        }

        return Task.CompletedTask;
    }
}
