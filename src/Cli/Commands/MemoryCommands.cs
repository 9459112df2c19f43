namespace AgentMem.Cli.Commands;

/// <summary>Verbs on single memories: add, get, update, history, delete, state.</summary>
internal static class MemoryCommands
{
    public static Command Add(Verbs verbs)
    {
        var text = new Argument<string>("text") { Description = "What to remember." };
        var tags = new Option<string[]>("--tag") { Description = "A tag (repeatable).", AllowMultipleArgumentsPerToken = false };
        var time = new Option<string?>("--time") { Description = "Event time (ISO 8601): when the fact holds from." };
        var source = new Option<string?>("--source") { Description = "Source kind, optionally with a reference: conversation|document|tool|system|agent[:ref]." };
        var actor = new Option<string?>("--actor") { Description = "Who said or wrote it." };
        var session = new Option<string?>("--session") { Description = "Session the memory belongs to." };
        var note = new Option<bool>("--note") { Description = "Add it as a Zettelkasten note: keywords, tags, context and links to related notes (neighbours evolve as new versions)." };
        var reason = new Option<string?>("--reason") { Description = "Why it is remembered (the first version's state reason; kept in the audit trail)." };
        return verbs.Create("add", "Add a memory; prints its id.", [text, tags, time, source, actor, session, note, reason], async (ctx, parse, ct) =>
        {
            var (kind, reference) = Parsing.Source(parse.GetValue(source));
            var draft = new MemoryDraft(parse.GetValue(text) ?? string.Empty)
            {
                Tags = parse.GetValue(tags) ?? [],
                ValidFrom = Parsing.Time(parse.GetValue(time)),
                Source = kind,
                SourceRef = reference,
                Actor = parse.GetValue(actor),
                Session = parse.GetValue(session),
                Reason = parse.GetValue(reason),
            };
            await using var memory = ctx.OpenMemory();
            memory.ValidateDrafts(ctx.Scope, [draft]); // before the cube is made on first write: a refused add must leave none
            var cube = await CubeCommands.OpenForWriteAsync(memory, ctx, ct);
            IReadOnlyList<MemoryLink> links = [];
            AddOutcome outcome;
            if (parse.GetValue(note))
            {
                using var keeper = new MemoryCore.Notes.NoteKeeper(memory);
                var added = await keeper.AddAsync(ctx.Scope, cube.Id, draft, ct);
                (outcome, links) = (added.Added, added.Links);
            }
            else
            {
                outcome = await memory.AddAsync(ctx.Scope, cube.Id, draft, ct);
            }

            // Told again by hand: a forgotten copy comes back, so "already remembered" is true of a memory search returns.
            await memory.RestoreRestatedAsync(ctx.Scope, [outcome], ct);

            if (ctx.Output.IsJson)
            {
                ctx.Output.WriteJson(new { id = outcome.Id.ToString(), created = outcome.Created, cube = cube.Name, links });
            }
            else
            {
                ctx.Output.Out.WriteLine(outcome.Id.ToString());
                foreach (var link in links)
                {
                    ctx.Output.Notice($"[grey]linked:[/] {TerminalText.Escape(link.Type)} {link.Target} ({TerminalText.Escape(link.Reason ?? string.Empty)})");
                }

                if (!outcome.Created)
                {
                    ctx.Output.Notice("[yellow]already remembered:[/] the same content is in the cube; returned the existing id.");
                }
            }
        });
    }

    public static Command Get(Verbs verbs)
    {
        var id = new Argument<string>("id") { Description = "Memory id." };
        return verbs.CreateOverMemory("get", "Show the current version of a memory.", [id], async (ctx, memory, parse, ct) =>
        {
            var item = await memory.GetAsync(ctx.Scope, Parsing.Id(parse.GetValue(id)), ct);
            ctx.Output.Result(item, console => console.Write(MemoryView.Details(item)));
        });
    }

    public static Command Update(Verbs verbs)
    {
        var id = new Argument<string>("id") { Description = "Memory id." };
        var text = new Argument<string>("text") { Description = "The new text." };
        var reason = new Option<string?>("--reason") { Description = "Why it changed (kept on the superseded version)." };
        var tags = new Option<string[]?>("--tag") { Description = "Replace the tags (repeatable)." };
        return verbs.CreateOverMemory("update", "Write a new version of a memory; the old one is kept as superseded.", [id, text, reason, tags], async (ctx, memory, parse, ct) =>
        {
            var change = new MemoryChange { Text = parse.GetValue(text), Reason = parse.GetValue(reason), Tags = parse.GetValue(tags) is { Length: > 0 } t ? t : null };
            var item = await memory.UpdateAsync(ctx.Scope, Parsing.Id(parse.GetValue(id)), change, ct);
            ctx.Output.Result(item, $"{item.Id} is now at version {item.Version}.");
        });
    }

    public static Command History(Verbs verbs)
    {
        var id = new Argument<string>("id") { Description = "Memory id." };
        return verbs.CreateOverMemory("history", "List every version of a memory, oldest first.", [id], async (ctx, memory, parse, ct) =>
        {
            var memoryId = Parsing.Id(parse.GetValue(id));
            var versions = await memory.GetHistoryAsync(ctx.Scope, memoryId, ct);
            if (ctx.Output.IsJson)
            {
                ctx.Output.WriteJson(new { id = memoryId.ToString(), versions });
                return;
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumns("version", "state", "reason", "written", "text");
            foreach (var v in versions)
            {
                table.AddRow(
                    v.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    v.State.ToString(),
                    TerminalText.Escape(v.StateReason ?? string.Empty),
                    MemoryView.Time(v.UpdatedAt),
                    TerminalText.Escape(MemoryView.Clip(v.Text, 80)));
            }

            ctx.Output.Console.Write(table);
        });
    }

    public static Command Delete(Verbs verbs)
    {
        var id = new Argument<string>("id") { Description = "Memory id." };
        var purge = new Option<bool>("--purge") { Description = "Remove it and all its versions for good, with what was derived from it (activation memories, summaries), instead of a soft delete." };
        var reason = new Option<string?>("--reason") { Description = "Why (soft delete only)." };
        return verbs.CreateOverMemory("delete", "Soft-delete a memory (tombstone), or purge it with --purge.", [id, purge, reason], async (ctx, memory, parse, ct) =>
        {
            var memoryId = Parsing.Id(parse.GetValue(id));
            if (parse.GetValue(purge))
            {
                await memory.PurgeAsync(ctx.Scope, memoryId, ct);
                ctx.Output.Result(new { id = memoryId.ToString(), purged = true }, $"Purged {memoryId}: it and its history are gone.");

                return;
            }

            var item = await memory.DeleteAsync(ctx.Scope, memoryId, parse.GetValue(reason), ct);
            ctx.Output.Result(new { id = memoryId.ToString(), purged = false, state = item.State, version = item.Version }, $"Deleted {memoryId} (soft: version {item.Version} is a tombstone; use --purge to remove it for good).");
        });
    }

    public static Command State(Verbs verbs)
    {
        var id = new Argument<string>("id") { Description = "Memory id." };
        var state = new Argument<string>("state") { Description = "active, archived or frozen." };
        var reason = new Option<string?>("--reason") { Description = "Why." };
        return verbs.CreateOverMemory("state", "Freeze, unfreeze, archive or restore a memory.", [id, state, reason], async (ctx, memory, parse, ct) =>
        {
            var item = await memory.SetStateAsync(ctx.Scope, Parsing.Id(parse.GetValue(id)), Parsing.State(parse.GetValue(state)), parse.GetValue(reason), ct);
            ctx.Output.Result(item, $"{item.Id} is {item.State} (version {item.Version}).");
        });
    }
}
