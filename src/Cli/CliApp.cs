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
        var verbs = new Verbs(global, stdout, stderr);
        root.Subcommands.Add(MemoryCommands.Add(verbs));
        root.Subcommands.Add(MemoryCommands.Get(verbs));
        root.Subcommands.Add(MemoryCommands.Update(verbs));
        root.Subcommands.Add(MemoryCommands.History(verbs));
        root.Subcommands.Add(AuditCommand.Create(verbs));
        root.Subcommands.Add(LinksCommand.Create(verbs));
        root.Subcommands.Add(MemoryCommands.Delete(verbs));
        root.Subcommands.Add(MemoryCommands.State(verbs));
        root.Subcommands.Add(ForgetCommand.Create(verbs));
        root.Subcommands.Add(ListCommand.Create(verbs));
        root.Subcommands.Add(SearchCommand.Create(verbs));
        root.Subcommands.Add(ContextCommand.Create(verbs));
        root.Subcommands.Add(StatsCommand.Create(verbs));
        root.Subcommands.Add(IndexCommand.Create(verbs));
        root.Subcommands.Add(MaintainCommand.Create(verbs));
        root.Subcommands.Add(CubeCommands.Create(verbs));
        root.Subcommands.Add(ImportCommand.Create(verbs));
        root.Subcommands.Add(ExportCommand.Create(verbs));
        root.Subcommands.Add(DemoCommand.Create(verbs));
        root.Subcommands.Add(BenchCommand.Create(verbs));
        root.Subcommands.Add(DatasetCommand.Create(verbs));
        root.Subcommands.Add(McpCommand.Create(verbs));
        root.Subcommands.Add(ServeCommand.Create(verbs));
        root.Subcommands.Add(ModelCommand.Create(verbs));
        root.Subcommands.Add(ChatCommand.Create(verbs));
        NumberOptions.Describe(root);
        return root;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, TerminalKind? terminal = null, CancellationToken cancellationToken = default)
    {
        var root = Build(stdout, stderr, terminal ?? TerminalKind.None);
        // No response files: System.CommandLine would read any "@..." argument as one, so `add "@maya moved"` failed and
        // `add @notes.txt` stored the file's text.
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });

        // A bad option never reaches a verb, so System.CommandLine reported it as text with its help: a --json caller
        // could not read "--k ten" the way it reads "--k 0".
        if (parse.Errors.Count > 0 && args.Contains("--json", StringComparer.Ordinal))
        {
            return Verb.Report(new CliOutput(stdout, stderr, json: true, terminal ?? TerminalKind.None), "ParseError", string.Join(" ", parse.Errors.Select(e => e.Message)))
                ? Verb.UserError
                : Verb.OutputFailed;
        }

        // Ctrl-C cancels the token; allow longer than the service's 30 s drain so in-flight writes finish. An interactive
        // chat handles Ctrl-C itself (it stops a reply, not the program).
        TimeSpan? termination = ChatCommand.HandlesCtrlC(parse) ? null : TimeSpan.FromSeconds(35);
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr, ProcessTerminationTimeout = termination }, cancellationToken);
        }
        catch (IOException)
        {
            // Help, a parse error or System.CommandLine's own report of an error could not be written (a full disk, a closed
            // pipe): let through, it ended the process with SIGABRT.
            return Verb.OutputFailed;
        }
    }
}
