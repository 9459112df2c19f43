namespace AgentMem.Cli.Commands;

/// <summary><c>links ID</c>: a note's Zettelkasten neighbourhood, one hop.</summary>
internal static class LinksCommand
{
    public static Command Create(Verbs verbs)
    {
        var id = new Argument<string>("id") { Description = "Memory id." };
        return verbs.CreateOverMemory("links", "Show a memory's links (type, weight, reason) with the notes they point to, and the notes of its cube that link to it.", [id], async (ctx, memory, parse, ct) =>
        {
            var hood = await memory.GetNeighborhoodAsync(ctx.Scope, Parsing.Id(parse.GetValue(id)), ct);
            if (ctx.Output.IsJson)
            {
                ctx.Output.WriteJson(new
                {
                    id = hood.Note.Id.ToString(),
                    text = hood.Note.Text,
                    keywords = hood.Note.Keywords,
                    tags = hood.Note.Tags,
                    context = hood.Note.Context,
                    links = hood.Neighbours.Select(n => new { target = n.Target.Id.ToString(), type = n.Link.Type, weight = n.Link.Weight, reason = n.Link.Reason, text = n.Target.Text, state = n.Target.State.ToString() }),
                    hidden = hood.Hidden,
                    incoming = hood.LinkedFrom.Select(n => new { source = n.Source.Id.ToString(), type = n.Link.Type, weight = n.Link.Weight, reason = n.Link.Reason, text = n.Source.Text, state = n.Source.State.ToString() }),
                });
                return;
            }

            ctx.Output.Console.MarkupLine($"[bold]{hood.Note.Id}[/] {TerminalText.Escape(MemoryView.Clip(hood.Note.Text, 100))}");
            if (hood.Note.Context is { } context)
            {
                ctx.Output.Console.MarkupLine($"[grey]context:[/] {TerminalText.Escape(context)}");
            }

            ctx.Output.Console.MarkupLine($"[grey]keywords:[/] {TerminalText.Escape(string.Join(", ", hood.Note.Keywords))}  [grey]tags:[/] {TerminalText.Escape(string.Join(", ", hood.Note.Tags))}");
            Write(ctx, "links", "target", "no links", hood.Neighbours);
            if (hood.Hidden > 0)
            {
                ctx.Output.Console.MarkupLine($"[grey]{hood.Hidden} more link(s) to purged memories or cubes you may not read[/]");
            }

            Write(ctx, "linked from", "source", "nothing in the cube links here", [.. hood.LinkedFrom.Select(i => (i.Link, i.Source))]);
        });
    }

    private static void Write(CliContext ctx, string title, string other, string empty, IReadOnlyList<(MemoryLink Link, MemoryItem Memory)> links)
    {
        if (links.Count == 0)
        {
            ctx.Output.Console.MarkupLine($"[grey]{empty}[/]");
            return;
        }

        var table = new Table().Title(title).Border(TableBorder.Rounded).AddColumns("type", "weight", other, "reason", "text");
        foreach (var (link, memory) in links)
        {
            table.AddRow(
                TerminalText.Escape(link.Type),
                link.Weight.ToString("0.00", CultureInfo.InvariantCulture),
                memory.Id.ToString(),
                TerminalText.Escape(link.Reason ?? string.Empty),
                TerminalText.Escape(MemoryView.Clip(memory.Text, 60)));
        }

        ctx.Output.Console.Write(table);
    }
}
