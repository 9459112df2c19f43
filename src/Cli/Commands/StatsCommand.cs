namespace AgentMem.Cli.Commands;

/// <summary><c>stats</c>: counts for the tenant, or the cube given with <c>--cube</c>.</summary>
internal static class StatsCommand
{
    public static Command Create(Verbs verbs)
    {
        var all = new Option<bool>("--all-cubes") { Description = "Count the whole tenant instead of the --cube cube." };
        return verbs.Create("stats", "Show counts of memories, versions and audit records.", [all], async (ctx, parse, ct) =>
        {
            var store = ctx.OpenStore();
            await using var memory = ctx.Compose(store, null, out var retrieval);
            var stats = await memory.GetStatsAsync(ctx.Scope, parse.GetValue(all) ? null : ctx.Cube, ct);

            // The embedding queue's durable record: memories with no stored vector for the configured model (the hashing
            // embedder has no queue: it embeds as memories are indexed).
            long? waiting = null;
            if (ctx.Embedder.IsSentenceModel)
            {
                waiting = parse.GetValue(all)
                    ? await WaitingInReadableCubesAsync(ctx, store, memory, retrieval.EmbedderId, ct)
                    : await store.CountWithoutEmbeddingAsync(ctx.Scope.Tenant, (await memory.OpenCubeAsync(ctx.Scope, ctx.Cube, ct)).Id, retrieval.EmbedderId, Retrieval.State.RetrievalState.IndexedStates, ct);
            }

            if (ctx.Output.IsJson)
            {
                ctx.Output.WriteJson(new { db = ctx.Db.Display, tenant = ctx.Scope.Tenant, cube = parse.GetValue(all) ? null : ctx.Cube, stats, embeddings = waiting is { } w ? new { embedder = retrieval.EmbedderId, waiting = w } : null });
                return;
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumns("measure", "value");
            table.AddRow("database", TerminalText.Escape(ctx.Db.Display));
            table.AddRow("cubes", stats.Cubes.ToString(CultureInfo.InvariantCulture));
            foreach (var (state, n) in stats.ByState.OrderBy(p => p.Key))
            {
                table.AddRow($"memories {state.ToString().ToLowerInvariant()}", n.ToString("N0", CultureInfo.InvariantCulture));
            }

            foreach (var (kind, n) in stats.ByKind.OrderBy(p => p.Key))
            {
                table.AddRow($"live {kind.ToString().ToLowerInvariant()}", n.ToString("N0", CultureInfo.InvariantCulture));
            }

            if (waiting is { } pending)
            {
                table.AddRow($"waiting for a vector ({TerminalText.Escape(retrieval.EmbedderId)})", pending.ToString("N0", CultureInfo.InvariantCulture));
            }

            table.AddRow("superseded versions", stats.SupersededVersions.ToString("N0", CultureInfo.InvariantCulture));
            table.AddRow("audit records", stats.AuditRecords.ToString("N0", CultureInfo.InvariantCulture));
            if (stats.StorageBytes is { } bytes)
            {
                table.AddRow("file size", $"{bytes / 1024.0:N0} KiB");
            }

            ctx.Output.Console.Write(table);
        });
    }

    // As GetStatsAsync counts the tenant: the whole tenant only for a user who can read every cube, otherwise the sum over
    // the cubes the user can read (the tenant's count told a user how many memories other users' cubes hold).
    private static async Task<long> WaitingInReadableCubesAsync(CliContext ctx, IMemoryStore store, MemoryOS memory, string embedderId, CancellationToken ct)
    {
        var states = Retrieval.State.RetrievalState.IndexedStates;
        var readable = await memory.ListCubesAsync(ctx.Scope, ct);
        if (readable.Count == (await store.ListCubesAsync(ctx.Scope.Tenant, ct)).Count)
        {
            return await store.CountWithoutEmbeddingAsync(ctx.Scope.Tenant, null, embedderId, states, ct);
        }

        long waiting = 0;
        foreach (var cube in readable)
        {
            waiting += await store.CountWithoutEmbeddingAsync(ctx.Scope.Tenant, cube.Id, embedderId, states, ct);
        }

        return waiting;
    }
}
