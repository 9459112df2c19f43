namespace AgentMem.Server.Endpoints;

/// <summary><c>/v1/cubes</c>: create, list, get and delete the tenant's cubes; read and change their grants and policy.</summary>
internal static class CubeEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        var cubes = v1.MapGroup("/cubes").WithTags("Cubes");
        cubes.MapPost("/", CreateAsync)
            .Describe("CreateCube", "Create a cube", "Creates a named cube owned by the acting user and agent. Names are unique within the tenant. "
                + "Adding a memory to a cube that does not exist creates it too, with the default policy.")
            .ProducesProblems(StatusCodes.Status409Conflict)
            .Writes()
            .WithJsonBody("""{"name":"support","description":"Facts from support conversations","deduplicate":true,"user":"caroline"}""");
        cubes.MapGet("/", ListAsync)
            .Describe("ListCubes", "List cubes", "The tenant's cubes that the acting user and agent may read.");
        MapRead(cubes, "/{cube}", GetAsync, "GetCube", "Get a cube", "One cube (id or name) the acting user and agent may read: what `POST /v1/cubes` answers with and points at.");
        cubes.MapDelete("/{cube}", DeleteAsync)
            .Describe("DeleteCube", "Delete a cube", "Deletes the cube (id or name) with every memory in it, their history, links, embeddings and change feed, for good. "
                + "Only the owner may (403 otherwise); an unknown cube answers 404. One audit line without content outlives the cube.")
            .ProducesProblems(StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound)
            .Erases();
        MapRead(cubes, "/{cube}/grants", GetGrantsAsync, "GetCubeGrants", "Get a cube's grants", "The cube's owner and the access given to others.");
        cubes.MapPut("/{cube}/grants", SetGrantsAsync)
            .Describe("SetCubeGrants", "Replace a cube's grants", "Replaces the whole list of grants (empty revokes all). Only the owner may: a grantee, even a writer, gets 403.")
            .ProducesProblems(StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound)
            .Writes()
            .WithJsonBody("""{"grants":[{"user":"bob","agent":null,"access":"read"}],"user":"caroline"}""");
        MapRead(cubes, "/{cube}/policy", GetPolicyAsync, "GetCubePolicy", "Get a cube's policy", "Retention (archive), the hard-delete TTL, forgetting, limits and de-duplication.");
        cubes.MapPut("/{cube}/policy", SetPolicyAsync)
            .Describe("SetCubePolicy", "Change a cube's policy", "Members left out keep their value. Needs read and write access (a grantee that may only add may not change it); changing `hardDeleteAfterDays` (the TTL after which memories "
                + "are purged by maintenance and the service's background sweep) needs the owner. Negative limits are refused (400).")
            .ProducesProblems(StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound)
            .Writes()
            .WithJsonBody("""{"retentionDays":90,"hardDeleteAfterDays":365,"user":"caroline"}""");
    }

    // A read of a cube or a part of it: each needs read access (403) and answers 404 for an unknown cube, and says so.
    private static void MapRead(RouteGroupBuilder cubes, string pattern, Delegate handler, string operationId, string summary, string description) =>
        cubes.MapGet(pattern, handler)
            .Describe(operationId, summary, description + " Needs read access (403); unknown cubes 404.")
            .ProducesProblems(StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound);

    private static async Task<Ok<CubeDto>> GetAsync(string cube, MemoryOS memory, HttpContext context, string? user, string? agent, CancellationToken cancellationToken) =>
        TypedResults.Ok(CubeDto.From(await memory.OpenCubeAsync(RequestScope.For(context, user, agent), cube, cancellationToken).ConfigureAwait(false)));

    private static async Task<Ok<CubeDeletedDto>> DeleteAsync(string cube, MemoryOS memory, HttpContext context, string? user, string? agent, CancellationToken cancellationToken)
    {
        int removed = await memory.DeleteCubeAsync(RequestScope.For(context, user, agent), cube, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new CubeDeletedDto(cube, removed));
    }

    private static async Task<Ok<CubeGrantsDto>> GetGrantsAsync(string cube, MemoryOS memory, HttpContext context, string? user, string? agent, CancellationToken cancellationToken)
    {
        var found = await memory.OpenCubeAsync(RequestScope.For(context, user, agent), cube, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(CubeGrantsDto.From(found));
    }

    private static async Task<Ok<CubeGrantsDto>> SetGrantsAsync(string cube, SetGrantsRequest request, MemoryOS memory, HttpContext context, CancellationToken cancellationToken)
    {
        var grants = (request.Grants ?? throw new MemoryCore.Errors.MemoryValidationException("'grants' is required (an empty list revokes every grant)."))
            .Select(g => (g ?? throw new MemoryCore.Errors.MemoryValidationException("Grants must not be null.")).ToGrant())
            .ToList();
        var updated = await memory.SetGrantsAsync(RequestScope.For(context, request.User, request.Agent), cube, grants, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(CubeGrantsDto.From(updated));
    }

    private static async Task<Ok<CubePolicyDto>> GetPolicyAsync(string cube, MemoryOS memory, HttpContext context, string? user, string? agent, CancellationToken cancellationToken)
    {
        var found = await memory.OpenCubeAsync(RequestScope.For(context, user, agent), cube, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(CubePolicyDto.From(found.Policy));
    }

    private static async Task<Ok<CubePolicyDto>> SetPolicyAsync(string cube, SetPolicyRequest request, MemoryOS memory, HttpContext context, CancellationToken cancellationToken)
    {
        var scope = RequestScope.For(context, request.User, request.Agent);
        var updated = await memory.SetPolicyAsync(scope, cube, request.Apply, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(CubePolicyDto.From(updated.Policy));
    }

    private static async Task<Created<CubeDto>> CreateAsync(CreateCubeRequest request, MemoryOS memory, HttpContext context, CancellationToken cancellationToken)
    {
        var scope = RequestScope.For(context, request.User, request.Agent);
        var policy = new CubePolicy { Deduplicate = request.Deduplicate ?? true };
        var cube = await memory.CreateCubeAsync(scope, request.Name ?? string.Empty, request.Description, policy, cancellationToken: cancellationToken).ConfigureAwait(false);
        return TypedResults.Created($"/v1/cubes/{Uri.EscapeDataString(cube.Name)}", CubeDto.From(cube));
    }

    private static async Task<Ok<IReadOnlyList<CubeDto>>> ListAsync(MemoryOS memory, HttpContext context, string? user, string? agent, CancellationToken cancellationToken)
    {
        var cubes = await memory.ListCubesAsync(RequestScope.For(context, user, agent), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok<IReadOnlyList<CubeDto>>(cubes.Select(CubeDto.From).ToList());
    }
}
