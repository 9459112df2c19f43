using AgentMem.Common.Validation;
using AgentMem.Retrieval.Context;
using AgentMem.Server.Hosting;

namespace AgentMem.Server.Endpoints;

/// <summary><c>/v1/search</c> (ranked hits) and <c>/v1/context</c> (a token-budgeted prompt context).</summary>
internal static class SearchEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapPost("/search", SearchAsync).WithTags("Search")
            .Describe("Search", "Search a cube", "Ranked hits, best first, from the `hybrid` (default), `bm25` or `vector` retriever; `k` 1..1000 (default 10). "
                + "With `explain`, each hit carries its score's components. `pendingEmbeddings` counts memories found by words only until their vector arrives.")
            .ProducesProblems(StatusCodes.Status404NotFound)
            .WithJsonBody("""{"cube":"support","query":"support group","k":5,"mode":"hybrid","explain":true}""");
        v1.MapPost("/context", ContextAsync).WithTags("Search")
            .Describe("BuildContext", "Build prompt context", "Text ready for a prompt within a token `budget` (default 2,000; 16 to 1,000,000; the cube's `contextTokenBudget` policy caps it): the whole cube when it fits, "
                + "else the memories the retriever ranks best; grouped by session, in time order. Tokens are counted by the service's "
                + "tokenizer (`serve --tokenizer`, default o200k), named in `tokenizer`.")
            .ProducesProblems(StatusCodes.Status404NotFound)
            .WithJsonBody("""{"cube":"support","query":"What does Caroline do?","budget":500}""");
    }

    private static async Task<Ok<SearchResponse>> SearchAsync(SearchMemoriesRequest request, ServerComposition composition, HttpContext context, CancellationToken cancellationToken)
    {
        var memory = composition.Memory;
        var scope = RequestScope.For(context, request.User, request.Agent);
        string query = request.Query ?? string.Empty;
        var hits = await memory.SearchAsync(scope, RequestScope.Cube(request.Cube), query, request.K, retrieverName: request.Mode, cancellationToken: cancellationToken).ConfigureAwait(false);
        var dtos = hits.Select((h, i) => new SearchHitDto(i + 1, h.Score, MemoryDto.From(h.Item), request.Explain ? h.Components : null)
        {
            Passage = h.Passage is { } p ? new PassageDto(p.Start, p.Length, h.Excerpt) : null,
        }).ToList();
        long pending = 0;
        if (composition.Embeddings is { PendingEmbeddings: > 0 } state)
        {
            // Only while something waits: resolving the cube's id costs a read that an idle queue does not need.
            var cube = await memory.OpenCubeAsync(scope, RequestScope.Cube(request.Cube), cancellationToken).ConfigureAwait(false);
            pending = state.PendingEmbeddingsIn(scope.Tenant, cube.Id);
        }

        return TypedResults.Ok(new SearchResponse(query, memory.ResolveRetrieverName(request.Mode), dtos, pending));
    }

    private static async Task<Ok<ContextResponse>> ContextAsync(ContextRequest request, MemoryOS memory, ServerOptions server, HttpContext context, CancellationToken cancellationToken)
    {
        var scope = RequestScope.For(context, request.User, request.Agent);
        var options = new ContextOptions { Retriever = request.Mode, TokenCounter = server.TokenCounter };
        if (request.Budget is { } budget)
        {
            options.TokenBudget = budget;
        }

        try
        {
            options.Validate();
        }
        catch (ArgumentException ex)
        {
            // The client sent `budget`, not the C# property, and gets the message without .NET's parameter suffix.
            throw new MemoryValidationException(OptionsMessage.OneLine(ex, (nameof(ContextOptions.TokenBudget), "budget")), ex);
        }

        var built = await memory.BuildContextAsync(scope, RequestScope.Cube(request.Cube), request.Query ?? string.Empty, options, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new ContextResponse(built.Text, built.Tokens, built.IsComplete, built.Memories.Select(m => m.Id.ToString()).ToList(), built.CubeMemories, options.TokenCounter.Name));
    }
}
