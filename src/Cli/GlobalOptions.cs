using System.CommandLine;
using AgentMem.Cli.Output;
using AgentMem.MemoryCore.Model;

namespace AgentMem.Cli;

/// <summary>Options accepted by every verb, before or after it.</summary>
internal sealed class GlobalOptions(TerminalKind terminal)
{
    public Option<string> Db { get; } = new("--db") { Description = "Database file (created if missing).", DefaultValueFactory = _ => "./agentmem.db", Recursive = true };

    public Option<string> Tenant { get; } = new("--tenant") { Description = "Tenant: a hard partition of the data.", DefaultValueFactory = _ => Scope.DefaultTenant, Recursive = true };

    public Option<string?> User { get; } = new("--user") { Description = "Acting user.", Recursive = true };

    public Option<string?> Agent { get; } = new("--agent") { Description = "Acting agent.", Recursive = true };

    public Option<string> Cube { get; } = new("--cube") { Description = "Cube (id or name).", DefaultValueFactory = _ => "default", Recursive = true };

    public Option<bool> Json { get; } = new("--json") { Description = "Machine-readable JSON output.", Recursive = true };

    public void AddTo(RootCommand root)
    {
        root.Options.Add(Db);
        root.Options.Add(Tenant);
        root.Options.Add(User);
        root.Options.Add(Agent);
        root.Options.Add(Cube);
        root.Options.Add(Json);
    }

    public CliContext Resolve(ParseResult parse, TextWriter stdout, TextWriter stderr)
    {
        var output = new CliOutput(stdout, stderr, parse.GetValue(Json), terminal);
        var scope = new Scope(parse.GetValue(Tenant)!, parse.GetValue(User), parse.GetValue(Agent));
        return new CliContext(parse.GetValue(Db)!, scope, parse.GetValue(Cube)!, output);
    }
}
