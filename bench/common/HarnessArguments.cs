namespace AgentMem.Bench;

/// <summary>How the harnesses under bench/ turn bad options into one line on stderr and exit code 2 (shared by them).</summary>
internal static class HarnessArguments
{
    /// <summary>The options <paramref name="parse"/> returns, or null after printing its <see cref="ArgumentException"/>'s message.</summary>
    public static T? ParseOrReport<T>(Func<T> parse)
        where T : class
    {
        try
        {
            return parse();
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return null;
        }
    }
}
