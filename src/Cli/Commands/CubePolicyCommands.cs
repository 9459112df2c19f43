namespace AgentMem.Cli.Commands;

/// <summary><c>cube policy show|set NAME</c>: retention (archive), the hard-delete TTL, forgetting, limits, de-duplication, the context token budget.</summary>
internal static class CubePolicyCommands
{
    public static Command Create(Verbs verbs)
    {
        var showName = new Argument<string>("name") { Description = "Cube (id or name)." };
        var show = verbs.CreateOverMemory("show", "Show a cube's policy.", [showName], async (ctx, memory, parse, ct) =>
        {
            var cube = await memory.OpenCubeAsync(ctx.Scope, parse.GetValue(showName)!, ct);
            Write(ctx, cube);
        });

        var name = new Argument<string>("name") { Description = "Cube (id or name)." };
        var retention = new Option<int?>("--retention-days") { Description = "'maintain' archives memories not recalled for this many days (0: keep)." };
        var hardDelete = new Option<int?>("--hard-delete-after-days") { Description = "TTL: 'maintain' and the service purge memories recorded more than this many days ago, frozen ones excepted (0: never; owner only)." };
        var forgetBelow = new Option<double?>("--forget-below") { Description = "Forgetting threshold between 0 and 1 (0: never forget)." };
        var maxItems = new Option<int?>("--max-items") { Description = "Most live memories the cube takes (0: no limit)." };
        var dedupe = new Option<bool?>("--dedupe") { Description = "true: identical content is stored once; false: kept as separate memories." };
        var contextBudget = new Option<int?>("--context-budget") { Description = "Most tokens of context built from the cube, whatever the caller asks for (`agentmem context --budget` included): 16 to 1,000,000, or 0 for the caller's." };
        var set = verbs.Create("set", "Change a cube's policy; options not given keep their value (read and write access; the TTL is the owner's).", [name, retention, hardDelete, forgetBelow, maxItems, dedupe, contextBudget], async (ctx, parse, ct) =>
        {
            int? r = parse.GetValue(retention), h = parse.GetValue(hardDelete), m = parse.GetValue(maxItems), c = parse.GetValue(contextBudget);
            double? f = parse.GetValue(forgetBelow);
            bool? d = parse.GetValue(dedupe);
            if (r is null && h is null && m is null && f is null && d is null && c is null)
            {
                throw new MemoryValidationException("Nothing to change: give at least one of --retention-days, --hard-delete-after-days, --forget-below, --max-items, --dedupe, --context-budget.");
            }

            await using var memory = ctx.OpenMemory();
            // Applied to the policy as stored at the write: another writer's change to the members not given stays.
            Write(ctx, await memory.SetPolicyAsync(ctx.Scope, parse.GetValue(name)!, current => current with
            {
                RetentionDays = r ?? current.RetentionDays,
                HardDeleteAfterDays = h ?? current.HardDeleteAfterDays,
                MaxItems = m ?? current.MaxItems,
                ForgettingThreshold = f is null ? current.ForgettingThreshold : ForgettingThreshold(f),
                Deduplicate = d ?? current.Deduplicate,
                ContextTokenBudget = c ?? current.ContextTokenBudget,
            }, ct));
        });

        return new Command("policy", "Show or change a cube's policy.") { show, set };
    }

    /// <summary>The policy's forgetting threshold for a <c>--forget-below</c> value: 0 means never forget (no threshold).</summary>
    public static double? ForgettingThreshold(double? forgetBelow) => forgetBelow == 0 ? null : forgetBelow;

    private static void Write(CliContext ctx, MemCube cube)
    {
        var p = cube.Policy;
        ctx.Output.Result(new { cube = cube.Name, id = cube.Id, policy = p }, console =>
        {
            console.MarkupLine($"Cube [bold]{TerminalText.Escape(cube.Name)}[/]:");
            var table = new Table().Border(TableBorder.Rounded).AddColumns("setting", "value");
            table.AddRow("retention-days (archive)", Days(p.RetentionDays, "keep"));
            table.AddRow("hard-delete-after-days (TTL)", Days(p.HardDeleteAfterDays, "never"));
            table.AddRow("forget-below", p.ForgettingThreshold?.ToString(CultureInfo.InvariantCulture) ?? "never");
            table.AddRow("max-items", p.MaxItems == 0 ? "no limit" : p.MaxItems.ToString(CultureInfo.InvariantCulture));
            table.AddRow("dedupe", p.Deduplicate ? "true" : "false");

            // It caps every context built from the cube: without the row, a budget set over REST cut `agentmem context`
            // short with nothing shown to say why.
            table.AddRow("context-budget (tokens)", p.ContextTokenBudget == 0 ? "0 (the caller's)" : p.ContextTokenBudget.ToString(CultureInfo.InvariantCulture));
            console.Write(table);
        });
    }

    private static string Days(int days, string none) => days == 0 ? $"0 ({none})" : days.ToString(CultureInfo.InvariantCulture);
}
