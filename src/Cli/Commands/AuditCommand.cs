namespace AgentMem.Cli.Commands;

/// <summary>
/// <c>audit [--memory ID] [--cube C] [--limit N] [--after SEQ]</c>: who did what, when, checked like the data it describes (a memory or
/// cube you cannot read is refused; the tenant's trail shows the cubes you can read). A purged memory's trail stays readable by id,
/// its lines checked as the tenant's trail checks them.
/// </summary>
internal static class AuditCommand
{
    private const int MaxLimit = 100_000;

    public static Command Create(Verbs verbs)
    {
        var memoryId = new Option<string?>("--memory") { Description = "Only this memory's trail (a purged memory's too, from the cubes you can read)." };
        var limit = new Option<int>("--limit") { Description = $"Most records shown, oldest first (1..{MaxLimit}).", DefaultValueFactory = _ => 1000 };
        var after = new Option<long>("--after") { Description = "Only records after this seq (the last seq of a previous page); 0 from the start." };
        return verbs.Create("audit", "Show the audit trail: of a memory (--memory), a cube (--cube given), or every cube you can read.", [memoryId, limit, after], async (ctx, parse, ct) =>
        {
            int take = parse.GetValue(limit);
            if (take < 1 || take > MaxLimit)
            {
                throw new MemoryValidationException($"--limit must be between 1 and {MaxLimit}; got {take}.");
            }

            long from = parse.GetValue(after);
            if (from < 0)
            {
                throw new MemoryValidationException($"--after must be 0 or the seq of a record already shown; got {from}.");
            }

            string? id = parse.GetValue(memoryId);
            bool cubeGiven = parse.GetResult(verbs.Global.Cube) is { Implicit: false };
            await using var memory = ctx.OpenMemory();
            var records = id is not null
                ? await memory.GetAuditAsync(ctx.Scope, Parsing.Id(id), take, from, ct)
                : cubeGiven
                    ? await memory.GetCubeAuditAsync(ctx.Scope, ctx.Cube, take, from, ct)
                    : await memory.GetAuditAsync(ctx.Scope, null, take, from, ct);
            ctx.Output.Result(new { records }, console =>
            {
                var table = new Table().Border(TableBorder.Rounded).AddColumns("seq", "at", "user", "agent", "action", "cube", "memory", "version", "detail");
                foreach (var r in records)
                {
                    table.AddRow(r.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), r.At.ToString("u", System.Globalization.CultureInfo.InvariantCulture), TerminalText.Escape(r.User ?? ""), TerminalText.Escape(r.Agent ?? ""), TerminalText.Escape(r.Action),
                        r.CubeId ?? "", r.MemoryId ?? "", r.Version?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "", TerminalText.Escape(r.Detail ?? ""));
                }

                console.Write(table);
            });
        });
    }
}
