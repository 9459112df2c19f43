using Microsoft.OpenApi;

namespace AgentMem.Server.OpenApi;

/// <summary>The document's title, description, tag descriptions and server URL.</summary>
internal sealed class DocumentInfoTransformer : IOpenApiDocumentTransformer
{
    /// <summary>Every tag an endpoint uses, with what it groups; a tag missing here fails the document test.</summary>
    public static IReadOnlyDictionary<string, string> Tags { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Service"] = "Liveness and the background embedder's progress; no API key needed.",
        ["Cubes"] = "Memory cubes: named containers of memories inside a tenant, each with an owner, grants and a de-duplication policy.",
        ["Memories"] = "Add, read, update, delete and purge memories. Every change is a new version; history keeps them all.",
        ["Search"] = "Ranked retrieval over a cube (hybrid, BM25 or vector) and token-budgeted prompt context.",
        ["Audit"] = "Who did what, when: the audit trail of a memory, a cube or the tenant, readable like the data it describes and never holding content.",
        ["Users"] = "Forgetting a user: their memories and everything derived from them, in every cube of the tenant, with one content-free audit line.",
    };

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "AgentMem REST API",
            Version = "v1",
            Description = "Long-term memory for LLM agents: cubes of versioned memories with hybrid search and prompt-ready context. "
                + "Every `/v1` call needs an API key (`Authorization: Bearer KEY` or `X-Api-Key: KEY`); the key alone decides the tenant. "
                + "Errors are RFC 7807 problem details (`application/problem+json`).",
        };

        // The default server is the request's base URL with a trailing slash; clients join it with paths that start with '/'.
        foreach (var server in document.Servers ?? [])
        {
            if (server.Url is { Length: > 1 } url && url.EndsWith('/'))
            {
                server.Url = url.TrimEnd('/');
            }
        }

        document.Tags = new HashSet<OpenApiTag>(Tags.Select(t => new OpenApiTag { Name = t.Key, Description = t.Value }));
        return Task.CompletedTask;
    }
}
