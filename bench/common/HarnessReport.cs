namespace AgentMem.Bench;

/// <summary>
/// The lines the store harnesses under bench/ print around their tables (shared by them): a pasted result then says how to
/// rerun it and how busy the machine was while it ran.
/// </summary>
internal static class HarnessReport
{
    /// <summary>Prints the title, the command that reruns bench/<paramref name="harness"/> with <paramref name="args"/>, and the machine with its load.</summary>
    public static void PrintHeader(string title, string harness, string[] args)
    {
        Console.WriteLine($"## {title}");
        Console.WriteLine();
        Console.WriteLine($"- command: `dotnet bench/{harness}/bin/Release/net10.0/AgentMem.{harness}.Bench.dll {string.Join(' ', args)}`");
        Console.WriteLine($"- machine: {MachineFacts.Describe()}; load average at start {MachineFacts.LoadAverage()}");
    }

    /// <summary>Prints the load average once the measuring is over.</summary>
    public static void PrintFooter()
    {
        Console.WriteLine();
        Console.WriteLine($"load average at end: {MachineFacts.LoadAverage()}");
    }
}
