using System.Globalization;
using AgentMem.Bench;

namespace AgentMem.Campaign.Bench;

/// <summary>Command-line settings; defaults are the campaign (60 s load, 20 kills), <c>--quick</c> a one-minute smoke run.</summary>
internal sealed class CampaignOptions
{
    public string CliDll { get; private set; } = "";

    /// <summary>The run's own scratch folder, made inside the one <c>--work</c> names (default the temp folder) and deleted at the end.</summary>
    public string WorkDirectory { get; private set; } = WorkFolder.Within(Path.GetTempPath(), "campaign");

    public int Clients { get; private set; } = 16;

    public TimeSpan LoadDuration { get; private set; } = TimeSpan.FromSeconds(60);

    public int Kills { get; private set; } = 20;

    public (TimeSpan Min, TimeSpan Max) KillWindow { get; private set; } = (TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(3000));

    public int RestCasesPerRoute { get; private set; } = 150;

    public int FileCasesPerFormat { get; private set; } = 300;

    public int Seed { get; private set; } = 20250;

    public string? ReadmePath { get; private set; }

    public HashSet<string> Parts { get; private set; } = ["load", "kill", "rest-fuzz", "file-fuzz", "disk-full"];

    public static CampaignOptions Parse(string[] args)
    {
        var o = new CampaignOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--cli": o.CliDll = Path.GetFullPath(Next()); break;
                case "--work": o.WorkDirectory = WorkFolder.Within(Next(), "campaign"); break;
                case "--clients": o.Clients = NextInt(); break;
                case "--load-seconds": o.LoadDuration = TimeSpan.FromSeconds(NextInt()); break;
                case "--kills": o.Kills = NextInt(); break;
                case "--rest-cases": o.RestCasesPerRoute = NextInt(); break;
                case "--file-cases": o.FileCasesPerFormat = NextInt(); break;
                case "--seed": o.Seed = NextInt(); break;
                case "--readme": o.ReadmePath = Path.GetFullPath(Next()); break;
                case "--parts": o.Parts = [.. Next().Split(',', StringSplitOptions.RemoveEmptyEntries)]; break;
                case "--quick":
                    o.LoadDuration = TimeSpan.FromSeconds(10);
                    o.Kills = 3;
                    o.RestCasesPerRoute = 25;
                    o.FileCasesPerFormat = 40;
                    break;
                default: throw new ArgumentException($"Unknown argument '{args[i]}'. Use --cli DLL [--quick] [--clients N] [--load-seconds S] [--kills N] [--rest-cases N] [--file-cases N] [--seed N] [--parts load,kill,rest-fuzz,file-fuzz,disk-full] [--readme FILE] [--work DIR (the run works in a fresh agentmem-campaign-* folder inside DIR and deletes only that)].");
            }
        }

        if (o.CliDll.Length == 0 || !File.Exists(o.CliDll))
        {
            throw new ArgumentException($"--cli must name the built AgentMem.Cli.dll ('{o.CliDll}' does not exist); run.sh builds it.");
        }

        return o;
    }

    /// <summary>The command as run, for the README: from the repository root.</summary>
    public static string CommandLine(string[] args) => "bench/Campaign/run.sh " + string.Join(' ', args.Where(a => a.Length > 0));
}
