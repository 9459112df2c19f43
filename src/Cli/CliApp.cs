using AgentMem.Cli.Commands;

namespace AgentMem.Cli;

/// <summary>The <c>agentmem</c> command tree. A host: it parses, composes and prints; the logic lives in the libraries.</summary>
internal static class CliApp
{
    public static RootCommand Build(TextWriter stdout, TextWriter stderr, TerminalKind terminal)
    {
        var global = new GlobalOptions(terminal);
        var root = new RootCommand("AgentMem: long-term memory for LLM agents (embedded SQLite store by default).");
        global.AddTo(root);
        root.Subcommands.Add(MemoryCommands.Add(global, stdout, stderr));
        root.Subcommands.Add(MemoryCommands.Get(global, stdout, stderr));
        root.Subcommands.Add(MemoryCommands.Update(global, stdout, stderr));
        root.Subcommands.Add(MemoryCommands.History(global, stdout, stderr));
        root.Subcommands.Add(AuditCommand.Create(global, stdout, stderr));
        root.Subcommands.Add(LinksCommand.Create(global, stdout, stderr));
        root.Subcommands.Add(MemoryCommands.Delete(global, stdout, stderr));
        root.Subcommands.Add(MemoryCommands.State(global, stdout, stderr));
        root.Subcommands.Add(ForgetCommand.Create(global, stdout, stderr));
        root.Subcommands.Add(ListCommand.Create(global, stdout, stderr));
        root.Subcommands.Add(SearchCommand.Create(global, stdout, stderr));
        root.Subcommands.Add(ContextCommand.Create(global, stdout, stderr));
        root.Subcommands.Add(StatsCommand.Create(global, stdout, stderr));
        root.Subcommands.Add(IndexCommand.Create(global, stdout, stderr));
        root.Subcommands.Add(MaintainCommand.Create(global, stdout, stderr));
        root.Subcommands.Add(CubeCommands.Create(global, stdout, stderr));
        root.Subcommands.Add(ImportCommand.Create(global, stdout, stderr));
        root.Subcommands.Add(ExportCommand.Create(global, stdout, stderr));
        root.Subcommands.Add(DemoCommand.Create(global, stdout, stderr));
        root.Subcommands.Add(BenchCommand.Create(global, stdout, stderr));
        root.Subcommands.Add(DatasetCommand.Create(global, stdout, stderr));
        root.Subcommands.Add(McpCommand.Create(global, stdout, stderr));
        root.Subcommands.Add(ServeCommand.Create(global, stdout, stderr));
        root.Subcommands.Add(ModelCommand.Create(global, stdout, stderr));
        root.Subcommands.Add(ChatCommand.Create(global, stdout, stderr));
        return root;
    }

    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, TerminalKind? terminal = null, CancellationToken cancellationToken = default)
    {
        var root = Build(stdout, stderr, terminal ?? TerminalKind.None);
        var parse = root.Parse(args);
        // Ctrl-C cancels the token; allow longer than the service's 30 s drain so in-flight writes finish. An interactive
        // chat handles Ctrl-C itself (it stops a reply, not the program).
        TimeSpan? termination = ChatCommand.HandlesCtrlC(parse) ? null : TimeSpan.FromSeconds(35);
        return parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr, ProcessTerminationTimeout = termination }, cancellationToken);
    }
}
