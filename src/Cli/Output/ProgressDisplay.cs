namespace AgentMem.Cli.Output;

/// <summary>
/// A long verb's progress, shown as <c>import conversation</c> shows it: with <c>--json</c> NDJSON events on standard
/// output before the verb's result (see <see cref="ProgressStep.Event"/>); on a terminal a bar per phase on standard
/// error, cleared at the end; otherwise (standard error redirected) a line per phase each time it passes another tenth.
/// </summary>
internal static class ProgressDisplay
{
    /// <summary>
    /// Runs <paramref name="work"/>, showing each step it reports. <paramref name="events"/> false (standard output carries
    /// the verb's data, as an export to it does) writes no NDJSON event: with <c>--json</c> nothing is shown then.
    /// </summary>
    public static async Task<T> RunAsync<T>(CliOutput output, Func<IProgress<ProgressStep>, Task<T>> work, bool events = true)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(work);
        if (output.IsJson)
        {
            var percents = new Dictionary<string, int>(StringComparer.Ordinal);
            return await work(new Reporter(step =>
            {
                if (!events)
                {
                    return;
                }

                if (step.Event is { } own)
                {
                    output.WriteJson(own);
                }
                else if (Reached(percents, step, 100))
                {
                    output.WriteJson(new { @event = step.Phase, done = step.Done, total = step.Total });
                }
            }));
        }

        if (output.ErrorConsole.Profile.Capabilities.Interactive)
        {
            return await output.ErrorConsole.Progress().AutoClear(true).StartAsync(async context =>
            {
                var bars = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                return await work(new Reporter(step =>
                {
                    if (!bars.TryGetValue(step.Phase, out var bar))
                    {
                        bars[step.Phase] = bar = context.AddTask(TerminalText.Escape($"{step.Phase} {step.Unit}"), maxValue: Math.Max(1, step.Total));
                    }

                    bar.MaxValue = Math.Max(1, step.Total);
                    bar.Value = step.Done;
                }));
            });
        }

        // Redirected: a line every tenth of each phase instead of a redrawn bar.
        var tenths = new Dictionary<string, int>(StringComparer.Ordinal);
        return await work(new Reporter(step =>
        {
            if (Reached(tenths, step, 10))
            {
                output.Err.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{step.Phase} {step.Done:N0}/{step.Total:N0} {step.Unit}"));
            }
        }));
    }

    /// <summary><see cref="RunAsync{T}"/> for work with no result.</summary>
    public static Task RunAsync(CliOutput output, Func<IProgress<ProgressStep>, Task> work, bool events = true)
    {
        ArgumentNullException.ThrowIfNull(work);
        return RunAsync(output, async progress =>
        {
            await work(progress);
            return true;
        }, events);
    }

    /// <summary>A phase's counter (<paramref name="phase"/>, counting <paramref name="unit"/>) as <paramref name="progress"/>'s steps.</summary>
    public static IProgress<(int Done, int Total)> Phase(IProgress<ProgressStep> progress, string phase, string unit) =>
        new Counter(progress, phase, unit);

    /// <summary>Whether <paramref name="step"/> reaches a new one of <paramref name="parts"/> parts of its phase (the first step always does).</summary>
    private static bool Reached(Dictionary<string, int> reached, ProgressStep step, int parts)
    {
        int part = (int)(Math.Min(step.Done, step.Total) * (long)parts / Math.Max(1, step.Total));
        if (reached.TryGetValue(step.Phase, out int last) && last == part)
        {
            return false;
        }

        reached[step.Phase] = part;
        return true;
    }

    /// <summary>Reports on the caller's thread, so lines come out in order (<see cref="Progress{T}"/> posts to the thread pool).</summary>
    private sealed class Reporter(Action<ProgressStep> report) : IProgress<ProgressStep>
    {
        public void Report(ProgressStep value) => report(value);
    }

    private sealed class Counter(IProgress<ProgressStep> progress, string phase, string unit) : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value) => progress.Report(new ProgressStep(phase, value.Done, value.Total, unit));
    }
}
