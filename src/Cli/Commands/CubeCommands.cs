namespace AgentMem.Cli.Commands;

/// <summary><c>cube create|list</c> (grants, policy and delete have files of their own), and the lazy creation of the cube named by <c>--cube</c> on first write.</summary>
internal static class CubeCommands
{
    public static Command Create(Verbs verbs)
    {
        var name = new Argument<string>("name") { Description = "Cube name, unique in the tenant." };
        var description = new Option<string?>("--description") { Description = "What the cube holds." };
        var noDedupe = new Option<bool>("--no-dedupe") { Description = "Keep identical content as separate memories (by default the same user, agent and speaker's identical content is stored once)." };
        var forgetBelow = new Option<double?>("--forget-below") { Description = "Forgetting threshold: 'maintain' archives memories whose retention e^(-t/S) falls below it (0..1; default: never forget)." };
        var retentionDays = new Option<int>("--retention-days") { Description = "'maintain' archives memories not recalled for this many days (default 0: keep)." };
        var hardDelete = new Option<int>("--hard-delete-after-days") { Description = "TTL: 'maintain' and the service purge memories recorded more than this many days ago, frozen ones excepted (default 0: never)." };
        var create = verbs.CreateOverMemory("create", "Create a cube.", [name, description, noDedupe, forgetBelow, retentionDays, hardDelete], async (ctx, memory, parse, ct) =>
        {
            var policy = new CubePolicy { Deduplicate = !parse.GetValue(noDedupe), ForgettingThreshold = CubePolicyCommands.ForgettingThreshold(parse.GetValue(forgetBelow)), RetentionDays = parse.GetValue(retentionDays), HardDeleteAfterDays = parse.GetValue(hardDelete) };
            var cube = await memory.CreateCubeAsync(ctx.Scope, parse.GetValue(name)!, parse.GetValue(description), policy, cancellationToken: ct);
            ctx.Output.Result(cube, $"Created cube [bold]{TerminalText.Escape(cube.Name)}[/] ({cube.Id}).");
        });

        var list = verbs.CreateOverMemory("list", "List the cubes you can read.", [], async (ctx, memory, parse, ct) =>
        {
            var cubes = await memory.ListCubesAsync(ctx.Scope, ct);
            if (ctx.Output.IsJson)
            {
                ctx.Output.WriteJson(new { cubes });
                return;
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumns("name", "id", "owner", "description");
            foreach (var c in cubes)
            {
                table.AddRow(TerminalText.Escape(c.Name), c.Id, TerminalText.Escape(c.Owner.ToString()), TerminalText.Escape(c.Description ?? string.Empty));
            }

            ctx.Output.Console.Write(table);
        });

        var cube = new Command("cube", "Manage cubes: create, list, grants, policy, delete.") { create, list, CubePolicyCommands.Create(verbs), CubeDeleteCommand.Create(verbs) };
        foreach (var grants in CubeGrantCommands.Create(verbs))
        {
            cube.Subcommands.Add(grants);
        }

        return cube;
    }

    /// <summary>Opens the <c>--cube</c> cube for a write, creating it on first use (with a notice).</summary>
    public static async Task<MemCube> OpenForWriteAsync(MemoryOS memory, CliContext ctx, CancellationToken ct)
    {
        try
        {
            return await memory.OpenCubeAsync(ctx.Scope, ctx.Cube, ct);
        }
        catch (CubeNotFoundException)
        {
            var cube = await memory.GetOrCreateCubeAsync(ctx.Scope, ctx.Cube, ct);
            ctx.Output.Notice($"[grey]created cube '{TerminalText.Escape(cube.Name)}' in tenant '{TerminalText.Escape(ctx.Scope.Tenant)}'[/]");
            return cube;
        }
        catch (CubeAccessDeniedException)
        {
            // Not readable: a write grant is still enough to add (the add checks it again), so only that is asked for.
            return await memory.GetOrCreateCubeAsync(ctx.Scope, ctx.Cube, CubeAccess.Write, ct);
        }
    }
}
