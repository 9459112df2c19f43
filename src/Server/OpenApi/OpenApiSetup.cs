namespace AgentMem.Server.OpenApi;

/// <summary>Registers the OpenAPI document (<c>/openapi/v1.json</c>) with the service's own transformers.</summary>
internal static class OpenApiSetup
{
    public static IServiceCollection AddAgentMemOpenApi(this IServiceCollection services) => services.AddOpenApi(options =>
    {
        options.AddDocumentTransformer<DocumentInfoTransformer>();
        options.AddDocumentTransformer<ApiKeySecurityTransformer>();
        options.AddOperationTransformer<ProblemResponseTransformer>();
        options.AddSchemaTransformer<EnumSchemaTransformer>();
        options.AddSchemaTransformer<NumericSchemaTransformer>();
        options.AddSchemaTransformer<DateTimeSchemaTransformer>();
        options.AddSchemaTransformer<NullableMemberSchemaTransformer>();
    });
}
