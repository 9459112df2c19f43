using Microsoft.OpenApi;

namespace AgentMem.Server.OpenApi;

/// <summary>
/// Declares the API key schemes (bearer token, or the <c>X-Api-Key</c> header) and requires one of them on every
/// <c>/v1</c> operation, matching <c>ApiKeyMiddleware</c>; <c>/health</c> and the document itself stay open.
/// </summary>
internal sealed class ApiKeySecurityTransformer : IOpenApiDocumentTransformer
{
    /// <summary>The name of the bearer scheme in <c>components.securitySchemes</c>.</summary>
    public const string Bearer = "Bearer";

    /// <summary>The name of the header scheme in <c>components.securitySchemes</c>.</summary>
    public const string Header = "ApiKeyHeader";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
        document.Components.SecuritySchemes[Bearer] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "opaque API key (am_...)",
            Description = "`Authorization: Bearer KEY`. The key decides the tenant; a key may also be bound to one user and agent.",
        };
        document.Components.SecuritySchemes[Header] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = "X-Api-Key",
            Description = "The same key in the `X-Api-Key` header, for clients that cannot set `Authorization`.",
        };

        foreach (var (path, item) in document.Paths)
        {
            bool keyed = path.StartsWith("/v1/", StringComparison.Ordinal);
            foreach (var operation in item.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>())
            {
                // Two requirement objects: either scheme alone is enough. An empty list says "open" explicitly,
                // rather than leaving a reader (or a linter) to wonder whether security was forgotten.
                operation.Security = keyed
                    ?
                    [
                        new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Bearer, document)] = [] },
                        new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Header, document)] = [] },
                    ]
                    : [];
            }
        }

        return Task.CompletedTask;
    }
}
