using AgentMem.MemoryCore.Search;

namespace AgentMem.Cli.Commands;

/// <summary><c>search</c>: ranked retrieval over the cube.</summary>
internal static class SearchCommand
{
    public static Command Create(Verbs verbs)
    {
        var query = new Argument<string>("query") { Description = "What to look for." };
        var k = new Option<int>("--k") { Description = "How many results.", DefaultValueFactory = _ => 10 };
        var mode = RetrieverOption.Create();
        var explain = new Option<bool>("--explain") { Description = "Show every component of each score (in the table, and as each hit's components with --json)." };
        return verbs.Create("search", "Search the cube: hybrid (BM25 + neighbours + session + embeddings) by default.", [query, k, mode, explain], async (ctx, parse, ct) =>
        {
            await using var memory = ctx.Compose(ctx.OpenStore(), null, out var state);
            string text = parse.GetValue(query) ?? string.Empty;
            string? retriever = parse.GetValue(mode);
            var hits = await memory.SearchAsync(ctx.Scope, ctx.Cube, text, parse.GetValue(k), retrieverName: retriever, cancellationToken: ct);
            var cube = await memory.OpenCubeAsync(ctx.Scope, ctx.Cube, ct);
            long pending = state.PendingEmbeddings > 0 ? state.PendingEmbeddingsIn(ctx.Scope.Tenant, cube.Id) : 0;
            Write(ctx.Output, memory.ResolveRetrieverName(retriever), text, hits, parse.GetValue(explain), pending);
            AnnNotice(ctx, state, cube);
        });
    }

    /// <summary>
    /// Says, on standard error, that a cube past the ANN threshold was scored exactly: a one-shot command builds no SPANN
    /// index in the background (it would exit before the build finished and throw it away), and none was saved yet.
    /// </summary>
    public static void AnnNotice(CliContext ctx, Retrieval.State.RetrievalState state, MemoryCore.Cubes.MemCube cube)
    {
        if (state.AnnBuildDeferred(ctx.Scope.Tenant, cube.Id))
        {
            ctx.Output.Notice(string.Create(CultureInfo.InvariantCulture, $"[grey]cube '{TerminalText.Escape(cube.Name)}' has more than {state.Options.AnnThreshold:N0} embeddings and was searched exactly; 'agentmem index build --cube {TerminalText.Escape(cube.Name)}' saves its ANN index for faster searches[/]"));
        }
    }

    /// <summary>
    /// Prints hits as JSON or as a table (with how many memories still wait for a vector); shared with the demo. Each hit's
    /// score components are shown only when <paramref name="explain"/> is set.
    /// </summary>
    public static void Write(CliOutput output, string retriever, string query, IReadOnlyList<SearchHit> hits, bool explain = false, long pendingEmbeddings = 0)
    {
        if (output.IsJson)
        {
            output.WriteJson(new
            {
                query,
                retriever,
                count = hits.Count,
                pending_embeddings = pendingEmbeddings,
                hits = hits.Select((h, i) => new
                {
                    rank = i + 1,
                    score = h.Score,
                    // As in REST: the components are what --explain asks for, in JSON as in the table.
                    components = explain ? h.Components : null,
                    passage = h.Passage is { } p ? new { start = p.Start, length = p.Length, text = h.Excerpt } : null,
                    memory = h.Item,
                }),
            });
            return;
        }

        if (pendingEmbeddings > 0)
        {
            output.Console.MarkupLine($"[grey]{pendingEmbeddings:N0} memories still wait for a vector: found by their words until it arrives[/]");
        }

        if (hits.Count == 0)
        {
            output.Console.MarkupLine("[grey]no matches[/]");
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).AddColumns("#", "score", "when", "actor", "text", "id");
        if (explain)
        {
            table.AddColumn("components");
        }

        for (int i = 0; i < hits.Count; i++)
        {
            MemoryItem item = hits[i].Item;
            table.AddRow(
                (i + 1).ToString(CultureInfo.InvariantCulture),
                hits[i].Score.ToString("0.00", CultureInfo.InvariantCulture),
                MemoryView.Time(item.ValidFrom),
                TerminalText.Escape(item.Provenance.Actor ?? string.Empty),
                TerminalText.Escape(MemoryView.Clip(hits[i].MarkedExcerpt, 70)),
                item.Id.ToString());
            if (explain)
            {
                string passage = hits[i].Passage is { } p ? string.Create(CultureInfo.InvariantCulture, $"\npassage chars {p.Start:N0}–{p.End:N0} of {item.Text.Length:N0}") : string.Empty;
                table.Rows.Update(i, 6, new Text(string.Join("\n", hits[i].Components.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key} {c.Value:0.###}"))) + passage));
            }
        }

        output.Console.Write(table);
    }
}
