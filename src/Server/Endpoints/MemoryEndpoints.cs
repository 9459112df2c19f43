using System.Globalization;

namespace AgentMem.Server.Endpoints;

/// <summary><c>/v1/memories</c>: add, batch add, get, update, batch update, state changes (single and batch), delete, purge, history, audit trail, links and list.</summary>
internal static class MemoryEndpoints
{
    /// <summary>Maps the routes; <paramref name="maxBatchItems"/> (<see cref="ServerOptions.MaxBatchItems"/>) is the batch limit the document states.</summary>
    public static void Map(RouteGroupBuilder v1, int maxBatchItems)
    {
        string atMost = string.Create(CultureInfo.InvariantCulture, $"at most {maxBatchItems:N0} items");
        var memories = v1.MapGroup("/memories").WithTags("Memories");
        memories.MapPost("/", AddAsync)
            .Describe("AddMemory", "Add a memory", "Stores one plaintext memory in the cube (default `default`, created on first write). "
                + "201 with a new id; 200 with the existing id when the cube de-duplicates and the same user, agent and speaker already hold identical text there "
                + "(a restatement: an archived one is restored, when the caller may change it, as `memory_add` over MCP and `agentmem add` do).")
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict)
            .Writes()
            .WithJsonBody("""{"cube":"support","text":"Caroline went to an LGBTQ support group","actor":"Caroline","session":"s1","tags":["event"],"importance":0.7}""");
        memories.MapPost("/batch", AddBatchAsync)
            .Describe("AddMemories", "Add memories in one batch", $"Stores every item atomically: all or none; {atMost}. The outcomes come back in the items' order. "
                + "A batch is a copy (an import run again must not undo forgetting): an item de-duplicated to an archived memory leaves it archived (restore it with `PUT /v1/memories/{id}/state`).")
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict)
            .Writes()
            .WithJsonBody("""{"cube":"support","items":[{"text":"Melanie paints sunsets","actor":"Melanie"},{"text":"Caroline is moving to Sweden","actor":"Caroline","tags":["plan"]}]}""");
        memories.MapGet("/", ListAsync)
            .Describe("ListMemories", "List memories", "The cube's memories, current versions only, oldest first; `limit` 1..1000 (default 100); `after` (the last id of a previous page) reads on from there. Without `state`, active and frozen ones. "
                + "`kind` keeps one kind (e.g. `activation` for KV cartridges, `parametric` for weight deltas); `tag` keeps those carrying that tag.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        memories.MapGet("/{id}", GetAsync)
            .Describe("GetMemory", "Get a memory", "The current version of one memory.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        memories.MapPatch("/{id}", UpdateAsync)
            .Describe("UpdateMemory", "Update a memory", "Writes a new version; members left out keep their value. The superseded version stays in the history with the `reason`. "
                + "An edit that changes nothing writes no version and returns the memory as it is. Frozen and deleted memories cannot be updated (409), nor can a superseded memory's text (409: restore it first); an archived or superseded memory keeps its state and the reason for it.")
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict)
            .Writes()
            .WithJsonBody("""{"text":"Caroline went to two LGBTQ support groups","reason":"corrected by the user","tags":["event","corrected"]}""");
        memories.MapPatch("/", UpdateBatchAsync)
            .Describe("UpdateMemories", "Update memories in one batch", $"Writes a new version of each memory in `items`, in order, in one transaction: all or none; {atMost}. "
                + "An id may come more than once; each edit applies to the version the one before it made, and one that changes nothing writes none. 404 when any memory is missing, "
                + "409 when any is frozen or deleted or changed meanwhile, or a superseded one is given a new text; the memories come back as they are after their edit, in the items' order.")
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict)
            .Writes()
            .WithJsonBody("""{"items":[{"id":"01JH5Q8X9Z3M4N6P7R8S9T0V1W","text":"Caroline moved to Sweden","reason":"the plan happened"},{"id":"01JH5Q8X9Z3M4N6P7R8S9T0V1X","tags":["plan","done"]}]}""");
        memories.MapPut("/{id}/state", SetStateAsync)
            .Describe("SetMemoryState", "Freeze, unfreeze, archive or restore a memory", "Moves the memory to `state` (`active`, `archived` or `frozen`) as a new version "
                + "with the `reason`; `active` also restores an archived or soft-deleted memory. A memory already in that state is returned unchanged. "
                + "A frozen memory moves only to `active` (409). Updates go through PATCH, deletes through DELETE (400 for other states).")
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict)
            .Writes()
            .WithJsonBody("""{"state":"frozen","reason":"legal hold"}""");
        memories.MapPut("/states", SetStatesAsync)
            .Describe("SetMemoryStates", "Change the state of memories in one batch", $"The state changes of `items`, in order, in one transaction: all or none; {atMost}; "
                + "each as `PUT /v1/memories/{id}/state` would make it. The memories come back as they are after their change, in the items' order.")
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict)
            .Writes()
            .WithJsonBody("""{"items":[{"id":"01JH5Q8X9Z3M4N6P7R8S9T0V1W","state":"archived","reason":"stale"},{"id":"01JH5Q8X9Z3M4N6P7R8S9T0V1X","state":"frozen"}]}""");
        memories.MapDelete("/{id}", DeleteAsync)
            .Describe("DeleteMemory", "Delete or purge a memory", "By default a soft delete: a tombstone version (returned) that keeps the history. "
                + "With `purge=true` every version is removed for good (204); frozen memories cannot be purged (409).")
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict)
            .Erases();
        memories.MapGet("/{id}/history", HistoryAsync)
            .Describe("MemoryHistory", "Get a memory's history", "The memory's versions, oldest first, tombstone included; at most `limit` (1..1000, default 100), "
                + "`after` (the `version` of a previous page's last one) reads on.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        memories.MapGet("/{id}/audit", AuditAsync)
            .Describe("MemoryAudit", "Get a memory's audit trail", "Who did what to the memory and when (add, update, state changes, delete), oldest first; at most `limit` lines (1..1000, default 200), "
                + "`after` (the `seq` of a previous page's last line) reads on. Readable exactly when the memory is: another tenant's id answers 404, a cube the caller may not read 403; a purged memory's "
                + "trail is shown by the cube each line names (as in the tenant's trail), and answers 404 as an unknown id does when the caller may see none of it.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        memories.MapGet("/{id}/links", LinksAsync)
            .Describe("MemoryLinks", "Get a memory's links, both ways", "The memory's typed links, one hop, each with the current version of the memory it points to; for an activation "
                + "memory, its `encodes` links are the plaintext memories it was built from. Links to purged memories or to cubes the caller "
                + "may not read are left out and counted in `hidden`. `incoming` lists the links to it from the live memories of its own cube, each with "
                + "the linking memory. At most `limit` each way (1..1000, default 100); `moreLinks` and `moreIncoming` say when more were left out. "
                + "Readable exactly when the memory is.")
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<Results<Created<AddedMemory>, Ok<AddedMemory>>> AddAsync(AddMemoryRequest request, MemoryOS memory, HttpContext context, CancellationToken cancellationToken)
    {
        var scope = RequestScope.For(context, request.User, request.Agent);

        // Checked before the cube is created, so a bad request leaves nothing behind.
        var draft = request.ToDraft();
        memory.ValidateDrafts(scope, [draft]);
        var cube = await memory.GetOrCreateCubeAsync(scope, RequestScope.Cube(request.Cube), CubeAccess.Write, cancellationToken).ConfigureAwait(false);
        var outcome = await memory.AddAsync(scope, cube.Id, draft, cancellationToken).ConfigureAwait(false);
        await memory.RestoreRestatedAsync(scope, [outcome], cancellationToken).ConfigureAwait(false); // "already there" must be true of a searchable memory
        var added = new AddedMemory(outcome.Id.ToString(), outcome.Created);
        return outcome.Created ? TypedResults.Created($"/v1/memories/{added.Id}", added) : TypedResults.Ok(added);
    }

    private static async Task<Ok<IReadOnlyList<AddedMemory>>> AddBatchAsync(AddBatchRequest request, MemoryOS memory, ServerOptions server, HttpContext context, CancellationToken cancellationToken)
    {
        var drafts = BatchOf(request.Items, server.MaxBatchItems, i => i.ToDraft());
        var scope = RequestScope.For(context, request.User, request.Agent);
        memory.ValidateDrafts(scope, drafts); // before the cube is created, so a bad batch leaves nothing behind

        var cube = await memory.GetOrCreateCubeAsync(scope, RequestScope.Cube(request.Cube), CubeAccess.Write, cancellationToken).ConfigureAwait(false);
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

    private static async Task<Ok<IReadOnlyList<MemoryDto>>> UpdateBatchAsync(UpdateBatchRequest request, MemoryOS memory, ServerOptions server, HttpContext context, CancellationToken cancellationToken)
    {
        var updates = BatchOf(request.Items, server.MaxBatchItems, i => new MemoryUpdate(RequestScope.ParseId(ItemId(i.Id)), i.ToChange()));
        var scope = RequestScope.For(context, request.User, request.Agent);
        var written = await memory.UpdateManyAsync(scope, updates, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok<IReadOnlyList<MemoryDto>>(written.Select(MemoryDto.From).ToList());
    }

    private static async Task<Ok<MemoryDto>> SetStateAsync(string id, SetStateRequest request, MemoryOS memory, HttpContext context, CancellationToken cancellationToken)
    {
        var change = StateChange(id, request.State, request.Reason);
        var scope = RequestScope.For(context, request.User, request.Agent);
        var after = await memory.SetStateManyAsync(scope, [change], cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(MemoryDto.From(after[0]));
    }

    private static async Task<Ok<IReadOnlyList<MemoryDto>>> SetStatesAsync(SetStatesRequest request, MemoryOS memory, ServerOptions server, HttpContext context, CancellationToken cancellationToken)
    {
        var changes = BatchOf(request.Items, server.MaxBatchItems, i => StateChange(ItemId(i.Id), i.State, i.Reason));
        var scope = RequestScope.For(context, request.User, request.Agent);
        var after = await memory.SetStateManyAsync(scope, changes, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok<IReadOnlyList<MemoryDto>>(after.Select(MemoryDto.From).ToList());
    }

    /// <summary>A batch body's items, each converted: a missing, empty or oversized batch and null items are bad input.</summary>
    private static List<TResult> BatchOf<TItem, TResult>(IReadOnlyList<TItem?>? items, int maxItems, Func<TItem, TResult> convert)
        where TItem : class
    {
        if (items is not { Count: > 0 })
        {
            throw new MemoryValidationException("The batch needs at least one item.");
        }

        if (items.Count > maxItems)
        {
            // Worded for the client, who can split the batch; the setting is the host's (ServerOptions.MaxBatchItems).
            throw new MemoryValidationException($"The batch has {items.Count} items; a request may hold at most {maxItems}. Send it in parts.");
        }

        return [.. items.Select(i => convert(i ?? throw new MemoryValidationException("Batch items must not be null.")))];
    }

    private static string ItemId(string? id) =>
        string.IsNullOrWhiteSpace(id) ? throw new MemoryValidationException("Every batch item needs the `id` of the memory it changes.") : id;

    /// <summary>The facade's change for one REST state request; the states that have their own verb are refused as bad input.</summary>
    private static MemoryStateChange StateChange(string id, LifecycleState? state, string? reason) => state switch
    {
        LifecycleState.Active or LifecycleState.Archived or LifecycleState.Frozen => new MemoryStateChange(RequestScope.ParseId(id), state.Value, string.IsNullOrWhiteSpace(reason) ? null : reason.Trim()),
        null => throw new MemoryValidationException("`state` is required: active, archived or frozen."),
        _ => throw new MemoryValidationException($"`state` {state.Value.ToString().ToLowerInvariant()} cannot be set directly: active, archived or frozen (updates go through PATCH, deletes through DELETE)."),
    };

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

    // Paged in the store's read: a memory updated in batches of up to MaxBatchItems a request holds thousands of versions, each a full copy.
    private static async Task<Ok<IReadOnlyList<MemoryDto>>> HistoryAsync(string id, MemoryOS memory, HttpContext context, int? limit, long? after, string? user, string? agent, CancellationToken cancellationToken)
    {
        int take = QueryLimit.History.Resolve(limit);
        long from = QueryLimit.After(after, "a version already read");
        var versions = await memory.GetHistoryAsync(RequestScope.For(context, user, agent), RequestScope.ParseId(id), take, from, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok<IReadOnlyList<MemoryDto>>(versions.Select(MemoryDto.From).ToList());
    }

    private static async Task<Ok<IReadOnlyList<AuditEntryDto>>> AuditAsync(string id, MemoryOS memory, HttpContext context, int? limit, long? after, string? user, string? agent, CancellationToken cancellationToken)
    {
        int take = QueryLimit.Audit.Resolve(limit);
        long from = QueryLimit.After(after);
        // The facade checks the caller may read the memory before it reads the trail.
        var records = await memory.GetAuditAsync(RequestScope.For(context, user, agent), RequestScope.ParseId(id), take, from, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok<IReadOnlyList<AuditEntryDto>>(records.Select(AuditEntryDto.From).ToList());
    }

    // Bounded each way, in the reads too: a hub memory linked from thousands answered each with its full text in one response.
    private static async Task<Ok<MemoryLinksResponse>> LinksAsync(string id, MemoryOS memory, HttpContext context, int? limit, string? user, string? agent, CancellationToken cancellationToken)
    {
        int take = QueryLimit.Links.Resolve(limit);

        // Each target is read as the caller: a link never reveals a memory its cube's grants would not (counted in hidden).
        var hood = await memory.GetNeighborhoodAsync(RequestScope.For(context, user, agent), RequestScope.ParseId(id), take, cancellationToken).ConfigureAwait(false);
        var links = hood.Neighbours.Select(n => new MemoryLinkDto(n.Link.Type, n.Link.Weight, n.Link.Reason, MemoryDto.From(n.Target))).ToList();
        var incoming = hood.LinkedFrom.Select(i => new IncomingLinkDto(i.Link.Type, i.Link.Weight, i.Link.Reason, MemoryDto.From(i.Source))).ToList();
        return TypedResults.Ok(new MemoryLinksResponse(hood.Note.Id.ToString(), links, hood.Hidden, incoming, hood.MoreNeighbours, hood.MoreLinkedFrom));
    }

    private static async Task<Ok<IReadOnlyList<MemoryDto>>> ListAsync(MemoryOS memory, HttpContext context, string? cube, int? limit, string? after, LifecycleState? state, MemoryKind? kind, string? tag, string? user, string? agent, CancellationToken cancellationToken)
    {
        int take = QueryLimit.Memories.Resolve(limit);
        MemoryCore.Identity.MemoryId? from = string.IsNullOrWhiteSpace(after) ? null : RequestScope.ParseId(after);

        var filter = new MemoryFilter
        {
            States = state is { } s ? [s] : MemoryFilter.LiveStates,
            Kind = kind,
            AnyTags = string.IsNullOrWhiteSpace(tag) ? null : [tag.Trim()],
        };
        var items = new List<MemoryDto>(Math.Min(take, QueryLimit.Memories.Default));
        await foreach (var item in memory.ListAsync(RequestScope.For(context, user, agent), RequestScope.Cube(cube), filter, from, cancellationToken).ConfigureAwait(false))
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
