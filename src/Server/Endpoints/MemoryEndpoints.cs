using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.Server.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace AgentMem.Server.Endpoints;

/// <summary><c>/v1/memories</c>: add, batch add, get, update, delete, purge, history and list.</summary>
internal static class MemoryEndpoints
{
    private const int DefaultListLimit = 100;
    private const int MaxListLimit = 1000;

    public static void Map(RouteGroupBuilder v1)
    {
        var memories = v1.MapGroup("/memories").WithTags("Memories");
        memories.MapPost("/", AddAsync).WithName("AddMemory");
        memories.MapPost("/batch", AddBatchAsync).WithName("AddMemories");
        memories.MapGet("/", ListAsync).WithName("ListMemories");
        memories.MapGet("/{id}", GetAsync).WithName("GetMemory");
        memories.MapPatch("/{id}", UpdateAsync).WithName("UpdateMemory");
        memories.MapDelete("/{id}", DeleteAsync).WithName("DeleteMemory");
        memories.MapGet("/{id}/history", HistoryAsync).WithName("MemoryHistory");
    }

    private static async Task<Results<Created<AddedMemory>, Ok<AddedMemory>>> AddAsync(AddMemoryRequest request, MemoryOS memory, HttpContext context, CancellationToken cancellationToken)
    {
        var scope = RequestScope.For(context, request.User, request.Agent);

        // Validate before the cube is created, so a bad request leaves nothing behind.
        var draft = request.ToDraft();
        if (string.IsNullOrWhiteSpace(draft.Text))
        {
            throw new MemoryValidationException("The memory text must not be empty.");
        }

        var cube = await memory.GetOrCreateCubeAsync(scope, RequestScope.Cube(request.Cube), cancellationToken).ConfigureAwait(false);
        var outcome = await memory.AddAsync(scope, cube.Id, draft, cancellationToken).ConfigureAwait(false);
        var added = new AddedMemory(outcome.Id.ToString(), outcome.Created);
        return outcome.Created ? TypedResults.Created($"/v1/memories/{added.Id}", added) : TypedResults.Ok(added);
    }

    private static async Task<Ok<IReadOnlyList<AddedMemory>>> AddBatchAsync(AddBatchRequest request, MemoryOS memory, HttpContext context, CancellationToken cancellationToken)
    {
        if (request.Items is not { Count: > 0 } items)
        {
            throw new MemoryValidationException("The batch needs at least one item.");
        }

        var scope = RequestScope.For(context, request.User, request.Agent);
        var drafts = items.Select(i => (i ?? throw new MemoryValidationException("Batch items must not be null.")).ToDraft()).ToList();
        var cube = await memory.GetOrCreateCubeAsync(scope, RequestScope.Cube(request.Cube), cancellationToken).ConfigureAwait(false);
        var outcomes = await memory.AddBatchAsync(scope, cube.Id, drafts, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok<IReadOnlyList<AddedMemory>>(outcomes.Select(o => new AddedMemory(o.Id.ToString(), o.Created)).ToList());
    }

    private static async Task<Ok<MemoryDto>> GetAsync(string id, MemoryOS memory, HttpContext context, string? user, string? agent, CancellationToken cancellationToken)
    {
        var item = await memory.GetAsync(RequestScope.For(context, user, agent), RequestScope.ParseId(id), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(MemoryDto.From(item));
    }

    private static async Task<Ok<MemoryDto>> UpdateAsync(string id, UpdateMemoryRequest request, MemoryOS memory, HttpContext context, CancellationToken cancellationToken)
    {
        var scope = RequestScope.For(context, request.User, request.Agent);
        var item = await memory.UpdateAsync(scope, RequestScope.ParseId(id), request.ToChange(), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(MemoryDto.From(item));
    }

    private static async Task<Results<Ok<MemoryDto>, NoContent>> DeleteAsync(string id, MemoryOS memory, HttpContext context, bool? purge, string? reason, string? user, string? agent, CancellationToken cancellationToken)
    {
        var scope = RequestScope.For(context, user, agent);
        var memoryId = RequestScope.ParseId(id);
        if (purge == true)
        {
            await memory.PurgeAsync(scope, memoryId, cancellationToken).ConfigureAwait(false);
            return TypedResults.NoContent();
        }

        var tombstone = await memory.DeleteAsync(scope, memoryId, reason, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(MemoryDto.From(tombstone));
    }

    private static async Task<Ok<IReadOnlyList<MemoryDto>>> HistoryAsync(string id, MemoryOS memory, HttpContext context, string? user, string? agent, CancellationToken cancellationToken)
    {
        var versions = await memory.GetHistoryAsync(RequestScope.For(context, user, agent), RequestScope.ParseId(id), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok<IReadOnlyList<MemoryDto>>(versions.Select(MemoryDto.From).ToList());
    }

    private static async Task<Ok<IReadOnlyList<MemoryDto>>> ListAsync(MemoryOS memory, HttpContext context, string? cube, int? limit, LifecycleState? state, string? user, string? agent, CancellationToken cancellationToken)
    {
        int take = limit ?? DefaultListLimit;
        if (take < 1 || take > MaxListLimit)
        {
            throw new MemoryValidationException($"limit must be between 1 and {MaxListLimit}; got {take}.");
        }

        var filter = state is { } s ? new MemoryFilter { States = [s] } : null;
        var items = new List<MemoryDto>(Math.Min(take, DefaultListLimit));
        await foreach (var item in memory.ListAsync(RequestScope.For(context, user, agent), RequestScope.Cube(cube), filter, cancellationToken).ConfigureAwait(false))
        {
            items.Add(MemoryDto.From(item));
            if (items.Count == take)
            {
                break;
            }
        }

        return TypedResults.Ok<IReadOnlyList<MemoryDto>>(items);
    }
}
