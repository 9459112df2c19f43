using AgentMem.Retrieval.State;

namespace AgentMem.Cli.Commands;

/// <summary>
/// <c>index verify</c>, <c>index build</c> and <c>index rebuild</c>: the derived search data (persisted embeddings, the index
/// folder beside the database) compared with, completed from or rebuilt from the store, for the <c>--cube</c> cube or every
/// cube of the tenant.
/// </summary>
internal static class IndexCommand
{
    /// <summary>Exit code of <c>index verify</c> when some derived data disagrees with the store.</summary>
    public const int DriftExitCode = 3;

    public static Command Create(Verbs verbs)
    {
        var command = new Command("index", "Check or rebuild the search indexes derived from the store (embeddings and the index folder beside the database).");
        command.Subcommands.Add(Verify(verbs));
        command.Subcommands.Add(Build(verbs));
        command.Subcommands.Add(Rebuild(verbs));
        return command;
    }

    private static Command Verify(Verbs verbs) =>
        PerCube(verbs, "verify", $"Compare index contents with the store and report drift (exit code {DriftExitCode} when there is any).",
            (ctx, state, cube, ct) => state.VerifyAsync(ctx.Scope.Tenant, cube.Id, ct));

    private static Command Build(Verbs verbs) =>
        PerCube(verbs, "build", "Bring the cube's indexes up to the store and, past the ANN threshold, build and save its ANN (SPANN) index now, which one-shot commands do not start (they search such a cube exactly); re-embeds nothing.",
            (ctx, state, cube, ct) => state.BuildIndexAsync(ctx.Scope.Tenant, cube.Id, ct));

    private static Command Rebuild(Verbs verbs) =>
        PerCube(verbs, "rebuild", "Re-embed every memory and rebuild the cube's indexes from the store (the store is the truth).", (ctx, state, cube, ct) =>
        {
            var progress = new Reporter(p => ctx.Output.Notice($"[grey]{TerminalText.Escape(cube.Name)}: embedded {p.Done:N0} / {p.Total:N0}[/]"));
            return state.RebuildAsync(ctx.Scope.Tenant, cube.Id, progress, ct);
        });

    // A verb that runs one index operation on the --cube cube (or, with --all-cubes, each cube of the tenant), writes the
    // reports and exits with DriftExitCode when any shows drift.
    private static Command PerCube(Verbs verbs, string name, string description, Func<CliContext, RetrievalState, MemoryCore.Cubes.MemCube, CancellationToken, Task<IndexReport>> run)
    {
        var all = new Option<bool>("--all-cubes") { Description = "Every cube of the tenant instead of the --cube cube." };
        return verbs.Create(name, description, [all], async (ctx, parse, ct) =>
        {
            await using var memory = ctx.Compose(ctx.OpenStore(), null, out var state);
            var reports = new List<IndexReport>();
            foreach (var cube in await CubesAsync(ctx, memory, parse.GetValue(all), ct))
            {
                reports.Add(await run(ctx, state, cube, ct));
            }

            Write(ctx, reports, name);
            return reports.Any(r => r.Drift) ? DriftExitCode : 0;
        });
    }

    private static async Task<IReadOnlyList<MemoryCore.Cubes.MemCube>> CubesAsync(CliContext ctx, MemoryCore.MemoryOS memory, bool all, CancellationToken ct) =>
        all ? await memory.ListCubesAsync(ctx.Scope, ct) : [await memory.OpenCubeAsync(ctx.Scope, ctx.Cube, ct)];

    private static void Write(CliContext ctx, List<IndexReport> reports, string action)
    {
        if (ctx.Output.IsJson)
        {
            foreach (var r in reports)
            {
                ctx.Output.WriteJson(new { action, cube = r.CubeId, memories = r.Memories, indexed = r.Indexed, embeddings_missing = r.EmbeddingsMissing, embeddings_stale = r.EmbeddingsStale, tier = r.Tier, ann_missing = r.AnnMissing, ann_extra = r.AnnExtra, damage = r.Damage, drift = r.Drift });
            }

            return;
        }

        var table = new Table().Border(TableBorder.Rounded).AddColumns("cube", "memories", "indexed", "embeddings missing", "embeddings stale", "vector tier", "ann missing", "ann extra", "drift");
        foreach (var r in reports)
        {
            table.AddRow(TerminalText.Escape(r.CubeId), N(r.Memories), N(r.Indexed), N(r.EmbeddingsMissing), N(r.EmbeddingsStale), r.Tier, N(r.AnnMissing), N(r.AnnExtra), r.Drift ? "[red]yes[/]" : "no");
        }

        ctx.Output.Console.Write(table);
        foreach (var r in reports.Where(r => r.Damage is not null))
        {
            ctx.Output.Console.MarkupLine($"[red]{TerminalText.Escape(r.CubeId)}: {TerminalText.Escape(r.Damage!)}[/] Run 'agentmem index rebuild' to build it again from the store.");
        }
    }

    private static string N(int n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>
    /// Reports on the rebuild's own thread: Progress&lt;T&gt; posted each line to the thread pool, so lines came out of order,
    /// from several threads at once, or after the command had returned.
    /// </summary>
    private sealed class Reporter(Action<(int Done, int Total)> report) : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value) => report(value);
    }
}
