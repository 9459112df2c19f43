namespace AgentMem.Cli.Commands;

/// <summary><c>list</c>: memories of the cube in creation order.</summary>
internal static class ListCommand
{
    public static Command Create(Verbs verbs)
    {
        var limit = new Option<int>("--limit") { Description = "Most memories to show (0 for all).", DefaultValueFactory = _ => 50 };
        var states = new Option<string[]>("--state") { Description = "Only these states (repeatable; default active and frozen)." };
        var tags = new Option<string[]>("--tag") { Description = "Only memories with one of these tags (repeatable)." };
        return verbs.Create("list", "List memories in creation order.", [limit, states, tags], async (ctx, parse, ct) =>
        {
            int max = parse.GetValue(limit);
            if (max < 0)
            {
                throw new MemoryCore.Errors.MemoryValidationException("--limit must be 0 (all) or positive.");
            }

            var filter = new MemoryFilter
            {
                States = parse.GetValue(states) is { Length: > 0 } s ? s.Select(Parsing.State).ToList() : MemoryFilter.LiveStates,
                AnyTags = parse.GetValue(tags) is { Length: > 0 } t ? t : null,
            };
            await using var memory = ctx.OpenMemory();
            var items = new List<MemoryItem>();
            bool truncated = false;
            await foreach (var item in memory.ListAsync(ctx.Scope, ctx.Cube, filter, ct))
            {
                if (max > 0 && items.Count == max)
                {
                    // More were there: said so, or a list cut at the limit read as the whole cube.
                    truncated = true;
                    break;
                }

                items.Add(item);
            }

            if (ctx.Output.IsJson)
            {
                ctx.Output.WriteJson(new { count = items.Count, truncated, items });
                return;
            }

            if (truncated)
            {
                ctx.Output.Notice(string.Create(CultureInfo.InvariantCulture, $"[grey]the first {max:N0} memories; --limit 0 lists all[/]"));
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumns("id", "state", "when", "actor", "text");
            foreach (var item in items)
            {
                table.AddRow(item.Id.ToString(), item.State.ToString(), MemoryView.Time(item.ValidFrom), TerminalText.Escape(item.Provenance.Actor ?? string.Empty), TerminalText.Escape(MemoryView.Clip(item.Text, 70)));
            }

            ctx.Output.Console.Write(table);
        });
    }
}
