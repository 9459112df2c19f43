/// <summary>The harness's command line: <c>--background N --counts 1,200,2000 --postgres URI</c>.</summary>
internal sealed class ErasureOptions
{
    /// <summary>Memories of another user the tenant holds besides the erased ones (default 10,000).</summary>
    public int Background { get; private set; } = 10_000;

    /// <summary>How many memories each erasure removes at once, one row per count and operation (default 1, 200, 2,000).</summary>
    public IReadOnlyList<int> Counts { get; private set; } = [1, 200, 2000];

    /// <summary>A PostgreSQL URI to measure that backend too (default: the AGENTMEM_TEST_POSTGRES variable, else SQLite only).</summary>
    public string? Postgres { get; private set; } = Environment.GetEnvironmentVariable("AGENTMEM_TEST_POSTGRES") is { Length: > 0 } uri ? uri : null;

    public static ErasureOptions Parse(string[] args)
    {
        var options = new ErasureOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string value = i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i - 1])
            {
                case "--background":
                    options.Background = int.TryParse(value, out int n) && n >= 0 ? n : throw new ArgumentException($"--background: '{value}' is not a count.");
                    break;
                case "--counts":
                    options.Counts = [.. value.Split(',').Select(c => int.TryParse(c, out int k) && k > 0 ? k : throw new ArgumentException($"--counts: '{c}' is not a positive count."))];
                    break;
                case "--postgres":
                    options.Postgres = value;
                    break;
                default:
                    throw new ArgumentException($"Unknown option '{args[i - 1]}'. Options: --background N, --counts 1,200,2000, --postgres URI.");
            }
        }

        return options;
    }
}
