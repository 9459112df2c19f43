using AgentMem.Cli;
using AgentMem.Cli.Output;

return await CliApp.RunAsync(args, Console.Out, Console.Error, TerminalKind.Detect());
