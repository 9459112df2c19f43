using AgentMem.Bench;
using AgentMem.StoreChoice.Bench;

// LiteDB or SQLite as the embedded store: ingest, search without FTS, durability under kill -9, two writers.
// The child modes are this program relaunched by itself; see ChildWriter.
if (args is ["--child-writer", .. var childArgs])
{
    return ChildWriter.Run(childArgs);
}

if (HarnessArguments.ParseOrReport(() => HarnessOptions.Parse(args)) is not { } options)
{
    return 2;
}

var workload = Workload.Load(options.DatasetPath);
Console.WriteLine("## Store choice: SQLite (our store) vs a LiteDB 5.0.21 prototype");
Console.WriteLine();
Console.WriteLine($"- command: `{HarnessOptions.CommandLine(args)}` (from the repository root)");
Console.WriteLine($"- machine: {MachineFacts.Describe()}; load average at start {MachineFacts.LoadAverage()}");
Console.WriteLine($"- data: {options.DatasetPath}: {workload.Cubes.Count} conversations, {workload.Memories.Count} turns, {workload.Questions.Count} questions");
Console.WriteLine($"- {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC");
Console.WriteLine();

if (options.Parts.Contains("ingest"))
{
    Report.Ingest(IngestBenchmark.Run(workload, options), options.Runs);
}

if (options.Parts.Contains("search"))
{
    Report.Search(SearchBenchmark.Run(workload, options));
}

if (options.Parts.Contains("kill"))
{
    Report.Kills(KillBenchmark.Run(workload, options));
}

if (options.Parts.Contains("cross"))
{
    Report.Cross(CrossProcessCheck.Run(options));
}

Report.Footprints();
Console.WriteLine($"load average at end: {MachineFacts.LoadAverage()}");
Directory.Delete(options.WorkDirectory, recursive: true);
return 0;
