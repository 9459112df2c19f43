using System.CommandLine;
using System.Globalization;
using AgentMem.Cli.Output;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Search;
using Spectre.Console;

namespace AgentMem.Cli.Commands;

/// <summary><c>search</c>: ranked retrieval over the cube.</summary>
internal static class SearchCommand
{
    public static Command Create(GlobalOptions g, TextWriter stdout, TextWriter stderr)
    {
        var query = new Argument<string>("query") { Description = "What to look for." };
        var k = new Option<int>("--k") { Description = "How many results.", DefaultValueFactory = _ => 10 };
        var command = new Command("search", "Search the cube (BM25 over the full-text index).") { query, k };
        Verb.Bind(command, g, stdout, stderr, async (ctx, parse, ct) =>
        {
            await using var memory = ctx.OpenMemory();
            string text = parse.GetValue(query) ?? string.Empty;
            var hits = await memory.SearchAsync(ctx.Scope, ctx.Cube, text, parse.GetValue(k), cancellationToken: ct);
            Write(ctx.Output, memory, text, hits);
            return 0;
        });
        return command;
    }

    /// <summary>Prints hits as JSON or as a table; shared with the demo.</summary>
    public static void Write(CliOutput output, MemoryOS memory, string query, IReadOnlyList<SearchHit> hits)
    {
        if (output.IsJson)
        {
            output.WriteJson(new
            {
                query,
                retriever = memory.Retriever.Name,
                count = hits.Count,
                hits = hits.Select((h, i) => new { rank = i + 1, score = h.Score, components = h.Components, memory = h.Item }),
            });
            return;
        }

        if (hits.Count == 0)
        {
            output.Console.MarkupLine("[grey]no matches[/]");
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).AddColumns("#", "score", "when", "actor", "text", "id");
        for (int i = 0; i < hits.Count; i++)
        {
            MemoryItem item = hits[i].Item;
            table.AddRow(
                (i + 1).ToString(CultureInfo.InvariantCulture),
                hits[i].Score.ToString("0.00", CultureInfo.InvariantCulture),
                MemoryView.Time(item.ValidFrom),
                Markup.Escape(item.Provenance.Actor ?? string.Empty),
                Markup.Escape(MemoryView.Clip(item.Text, 70)),
                item.Id.ToString());
        }

        output.Console.Write(table);
    }
}
