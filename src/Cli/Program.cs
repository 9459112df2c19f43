using AgentMem.Cli;

return await CliApp.RunAsync(args, Console.Out, Console.Error, TerminalKind.Detect());
