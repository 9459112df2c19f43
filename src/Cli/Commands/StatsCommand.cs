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
                string? cubeId = parse.GetValue(all) ? null : (await memory.OpenCubeAsync(ctx.Scope, ctx.Cube, ct)).Id;
                waiting = await store.CountWithoutEmbeddingAsync(ctx.Scope.Tenant, cubeId, retrieval.EmbedderId, Retrieval.State.RetrievalState.IndexedStates, ct);
            }

            if (ctx.Output.IsJson)
            {
                ctx.Output.WriteJson(new { db = ctx.Db.Display, tenant = ctx.Scope.Tenant, cube = parse.GetValue(all) ? null : ctx.Cube, stats, embeddings = waiting is { } w ? new { embedder = retrieval.EmbedderId, waiting = w } : null });
                return;
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumns("measure", "value");
            table.AddRow("database", Markup.Escape(ctx.Db.Display));
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
                table.AddRow($"waiting for a vector ({Markup.Escape(retrieval.EmbedderId)})", pending.ToString("N0", CultureInfo.InvariantCulture));
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
}
