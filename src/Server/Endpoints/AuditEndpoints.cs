namespace AgentMem.Server.Endpoints;

/// <summary><c>/v1/audit</c>: the audit trail of a memory, a cube or the tenant, checked like the data it describes.</summary>
internal static class AuditEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/audit", ReadAsync).WithTags("Audit")
            .Describe("ReadAudit", "Read the audit trail", "Who did what, when, oldest first, never memory content. With `memory`, that memory's trail (readable exactly when the "
                + "memory is; a purged memory's lines by the cube each names, 404 as for an unknown id when none is visible); with `cube`, that cube's (403 when the caller may not read it, 404 when unknown); with neither, the lines of "
                + "every cube the caller can read and its own lines that name no cube or a deleted cube. At most `limit` lines (1..1000, "
                + "default 200), fewer only at the end of the trail; `after` (the `seq` of the last line of a previous page) reads on from there.")
            .ProducesProblems(StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound);
    }

    private static async Task<Ok<IReadOnlyList<AuditEntryDto>>> ReadAsync(MemoryOS memoryOS, HttpContext context, string? cube, string? memory, int? limit, long? after, string? user, string? agent, CancellationToken cancellationToken)
    {
        int take = QueryLimit.Audit.Resolve(limit);
        long from = QueryLimit.After(after);

        var scope = RequestScope.For(context, user, agent);
        var records = !string.IsNullOrWhiteSpace(memory)
            ? await memoryOS.GetAuditAsync(scope, RequestScope.ParseId(memory), take, from, cancellationToken).ConfigureAwait(false)
            : !string.IsNullOrWhiteSpace(cube)
                ? await memoryOS.GetCubeAuditAsync(scope, cube, take, from, cancellationToken).ConfigureAwait(false)
                : await memoryOS.GetAuditAsync(scope, null, take, from, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok<IReadOnlyList<AuditEntryDto>>(records.Select(AuditEntryDto.From).ToList());
    }
}
