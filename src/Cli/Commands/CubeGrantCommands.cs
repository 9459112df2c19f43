namespace AgentMem.Cli.Commands;

/// <summary><c>cube grants NAME</c>, <c>cube grant NAME</c>, <c>cube revoke NAME</c>: who besides the owner may read or write a cube.</summary>
internal static class CubeGrantCommands
{
    public static IEnumerable<Command> Create(Verbs verbs)
    {
        yield return Show(verbs);
        yield return Grant(verbs);
        yield return Revoke(verbs);
    }

    private static Command Show(Verbs verbs)
    {
        var name = new Argument<string>("name") { Description = "Cube (id or name)." };
        return verbs.CreateOverMemory("grants", "Show a cube's owner and grants (needs read access).", [name], async (ctx, memory, parse, ct) =>
        {
            var cube = await memory.OpenCubeAsync(ctx.Scope, parse.GetValue(name)!, ct);
            Write(ctx, cube);
        });
    }

    private static Command Grant(Verbs verbs)
    {
        var name = new Argument<string>("name") { Description = "Cube (id or name)." };
        var (toUser, toAgent) = Grantee();
        var access = new Option<string>("--access") { Description = "read, write or readwrite.", Required = true };
        return verbs.Create("grant", "Give a user and/or agent access to a cube (owner only); replaces their earlier grant.", [name, toUser, toAgent, access], async (ctx, parse, ct) =>
        {
            var grantee = RequireGrantee(parse.GetValue(toUser), parse.GetValue(toAgent));
            var level = ParseAccess(parse.GetValue(access));
            await using var memory = ctx.OpenMemory();
            var cube = await memory.OpenCubeAsync(ctx.Scope, parse.GetValue(name)!, ct);

            // Applied to the grants as stored at the write: a list read above and written whole lost grants given meanwhile.
            Write(ctx, await memory.SetGrantsAsync(ctx.Scope, cube.Id, stored => [.. stored.Where(x => !Same(x, grantee)), new CubeGrant(grantee.User, grantee.Agent, level)], ct));
        });
    }

    private static Command Revoke(Verbs verbs)
    {
        var name = new Argument<string>("name") { Description = "Cube (id or name)." };
        var (toUser, toAgent) = Grantee();
        return verbs.Create("revoke", "Remove the grant of a user and/or agent (owner only).", [name, toUser, toAgent], async (ctx, parse, ct) =>
        {
            var grantee = RequireGrantee(parse.GetValue(toUser), parse.GetValue(toAgent));
            await using var memory = ctx.OpenMemory();
            var cube = await memory.OpenCubeAsync(ctx.Scope, parse.GetValue(name)!, ct);

            // As a grant is: a revoke written as a list read earlier brought back grants revoked or dropped grants given meanwhile.
            Write(ctx, await memory.SetGrantsAsync(ctx.Scope, cube.Id, stored => stored.Any(x => Same(x, grantee))
                ? [.. stored.Where(x => !Same(x, grantee))]
                : throw new MemoryValidationException($"Cube '{cube.Name}' has no grant for {Describe(grantee.User, grantee.Agent)}; 'agentmem cube grants {cube.Name}' lists them."), ct));
        });
    }

    // --user and --agent name the acting scope (global options), so the grantee has options of its own.
    private static (Option<string?> User, Option<string?> Agent) Grantee() =>
        (new Option<string?>("--to-user") { Description = "The user granted (omit for any user)." },
         new Option<string?>("--to-agent") { Description = "The agent granted (omit for any agent)." });

    private static (string? User, string? Agent) RequireGrantee(string? user, string? agent)
    {
        string? u = string.IsNullOrWhiteSpace(user) ? null : user.Trim();
        string? a = string.IsNullOrWhiteSpace(agent) ? null : agent.Trim();
        if (u is null && a is null)
        {
            throw new MemoryValidationException("Name the grantee with --to-user and/or --to-agent (a grant to nobody in particular would open the cube to the whole tenant).");
        }

        return (u, a);
    }

    private static CubeAccess ParseAccess(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "read" => CubeAccess.Read,
        "write" => CubeAccess.Write,
        "readwrite" or "read-write" or "rw" => CubeAccess.ReadWrite,
        _ => throw new MemoryValidationException($"'{text}' is not an access level; use read, write or readwrite."),
    };

    private static bool Same(CubeGrant grant, (string? User, string? Agent) grantee) =>
        string.Equals(grant.User, grantee.User, StringComparison.Ordinal) && string.Equals(grant.Agent, grantee.Agent, StringComparison.Ordinal);

    private static string Describe(string? user, string? agent) => $"user {user ?? "*"}, agent {agent ?? "*"}";

    private static void Write(CliContext ctx, MemCube cube)
    {
        var grants = cube.Grants.Select(x => new { user = x.User, agent = x.Agent, access = x.Access.ToString().ToLowerInvariant() }).ToList();
        ctx.Output.Result(new { cube = cube.Name, id = cube.Id, owner = new { user = cube.Owner.User, agent = cube.Owner.Agent }, grants }, console =>
        {
            console.MarkupLine($"Cube [bold]{TerminalText.Escape(cube.Name)}[/], owner {TerminalText.Escape(Describe(cube.Owner.User, cube.Owner.Agent))}.");
            if (cube.Grants.Count == 0)
            {
                console.MarkupLine("No grants: only the owner has access.");
                return;
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumns("user", "agent", "access");
            foreach (var x in cube.Grants)
            {
                table.AddRow(TerminalText.Escape(x.User ?? "*"), TerminalText.Escape(x.Agent ?? "*"), x.Access.ToString().ToLowerInvariant());
            }

            console.Write(table);
        });
    }
}
