using System.Globalization;
using AgentMem.Bench;

namespace AgentMem.StoreChoice.Bench;

/// <summary>What one harness run measures and where; every default is what the published table used.</summary>
internal sealed class HarnessOptions
{
    public string DatasetPath { get; private set; } = DefaultDatasetPath();

    /// <summary>Timed ingest runs per engine and mode; the best is reported (the machine is shared and noisy).</summary>
    public int Runs { get; private set; } = 3;

    /// <summary>Adds per transaction in the batched mode.</summary>
    public int BatchSize { get; private set; } = 100;

    /// <summary>SIGKILLs per engine in the durability test.</summary>
    public int Kills { get; private set; } = 20;

    /// <summary>Seeds the kill delays, so every engine is killed after the same sequence of delays.</summary>
    public int Seed { get; private set; } = 20240705;

    /// <summary>Adds per writer in the two-process check.</summary>
    public int CrossProcessAdds { get; private set; } = 200;

    /// <summary>Scratch folder for database files: a fresh folder of the run's own inside the one <c>--work</c> names (default the temp folder), deleted at the end.</summary>
    public string WorkDirectory { get; private set; } = WorkFolder.Within(Path.GetTempPath(), "storechoice");

    /// <summary>Which parts to run (all by default): ingest, search, kill, cross.</summary>
    public HashSet<string> Parts { get; private set; } = new(StringComparer.Ordinal) { "ingest", "search", "kill", "cross" };

    public static HarnessOptions Parse(IReadOnlyList<string> args)
    {
        var options = new HarnessOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            switch (name)
            {
                case "--dataset": options.DatasetPath = Value(); break;
                case "--runs": options.Runs = Positive(name, Value()); break;
                case "--batch": options.BatchSize = Positive(name, Value()); break;
                case "--kills": options.Kills = Positive(name, Value()); break;
                case "--seed": options.Seed = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--cross-adds": options.CrossProcessAdds = Positive(name, Value()); break;
                case "--work": options.WorkDirectory = WorkFolder.Within(Value(), "storechoice"); break;
                case "--only":
                    options.Parts = new HashSet<string>(Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.Ordinal);
                    if (options.Parts.Except(["ingest", "search", "kill", "cross"]).FirstOrDefault() is { } unknown)
                    {
                        throw new ArgumentException($"--only: unknown part '{unknown}' (ingest, search, kill, cross).");
                    }

                    break;
                default: throw new ArgumentException($"Unknown option '{name}'. Options: --dataset --runs --batch --kills --seed --cross-adds --work DIR (a fresh agentmem-storechoice-* folder is made inside DIR and only it is deleted) --only.");
            }
        }

        if (!File.Exists(options.DatasetPath))
        {
            throw new ArgumentException($"LoCoMo file not found at '{options.DatasetPath}' (pass --dataset PATH).");
        }

        return options;
    }

    public static string CommandLine(IReadOnlyList<string> args) =>
        "dotnet bench/StoreChoice/bin/Release/net10.0/AgentMem.StoreChoice.Bench.dll" + (args.Count == 0 ? string.Empty : " " + string.Join(' ', args));

    private static int Positive(string name, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0
            ? n
            : throw new ArgumentException($"{name} must be a positive integer, not '{text}'.");

    /// <summary>The shared data folder sits beside the repository; walk up from the working directory to find it.</summary>
    private static string DefaultDatasetPath()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "..", "shared", "datasets", "locomo", "locomo10.json");
            if (File.Exists(candidate))
            {
                return Path.GetFullPath(candidate);
            }
        }

        return Path.GetFullPath(Path.Combine("..", "shared", "datasets", "locomo", "locomo10.json"));
    }
}
