using Microsoft.OpenApi;

namespace AgentMem.Server.OpenApi;

/// <summary>
/// Drops members that may be null from <c>required</c>. The service writes JSON without nulls (<c>WhenWritingNull</c>),
/// so a null member is absent from a response, and a request that leaves one out binds it as null: "required" would be a
/// promise neither side keeps, and generated clients would type absent members as present.
/// </summary>
internal sealed class NullableMemberSchemaTransformer : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (schema.Required is not { Count: > 0 } required || schema.Properties is null)
        {
            return Task.CompletedTask;
        }

        foreach (var (name, property) in schema.Properties)
        {
            if (IsNullable(property))
            {
                required.Remove(name);
            }
        }

        return Task.CompletedTask;
    }

    // Nullable primitives carry "null" in their type; nullable references to other schemas are a oneOf with a null branch.
    private static bool IsNullable(IOpenApiSchema schema) =>
        (schema.Type is { } type && type.HasFlag(JsonSchemaType.Null))
        || (schema.OneOf?.Any(s => s.Type == JsonSchemaType.Null) ?? false)
        || (schema.AnyOf?.Any(s => s.Type == JsonSchemaType.Null) ?? false);
}
