using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Cubes;
using AgentMem.Server.Contracts;
using AgentMem.Server.OpenApi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace AgentMem.Server.Endpoints;

/// <summary><c>/v1/cubes</c>: create and list the tenant's cubes.</summary>
internal static class CubeEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        var cubes = v1.MapGroup("/cubes").WithTags("Cubes");
        cubes.MapPost("/", CreateAsync).WithName("CreateCube")
            .WithSummary("Create a cube")
            .WithDescription("Creates a named cube owned by the acting user and agent. Names are unique within the tenant. "
                + "Adding a memory to a cube that does not exist creates it too, with the default policy.")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .WithRequestExample("""{"name":"support","description":"Facts from support conversations","deduplicate":true,"user":"caroline"}""");
        cubes.MapGet("/", ListAsync).WithName("ListCubes")
            .WithSummary("List cubes")
            .WithDescription("The tenant's cubes that the acting user and agent may read.");
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
