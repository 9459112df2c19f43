using System.Collections.Concurrent;

namespace AgentMem.Campaign.Bench;

/// <summary>Latencies and failures per route, summarised as requests/s and p50/p95/p99.</summary>
internal sealed class LatencyRecorder
{
    private readonly ConcurrentDictionary<string, ConcurrentBag<double>> latencies = new();
    private readonly ConcurrentDictionary<string, int> errors = new();
    private readonly ConcurrentQueue<string> errorSamples = new();

    public void Record(string route, double milliseconds) => latencies.GetOrAdd(route, _ => []).Add(milliseconds);

    public void Error(string route, string what)
    {
        errors.AddOrUpdate(route, 1, (_, n) => n + 1);
        if (errorSamples.Count < 10)
        {
            errorSamples.Enqueue($"{route}: {what}");
        }
    }

    public int TotalErrors => errors.Values.Sum();

    public IEnumerable<string> ErrorSamples => errorSamples;

    public IReadOnlyList<RouteFigures> Summarise(TimeSpan elapsed) =>
        [.. latencies.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p =>
        {
            double[] sorted = [.. p.Value.Order()];
            return new RouteFigures(p.Key, sorted.Length, sorted.Length / elapsed.TotalSeconds,
                Percentile(sorted, 0.50), Percentile(sorted, 0.95), Percentile(sorted, 0.99), errors.GetValueOrDefault(p.Key));
        })];

    // Nearest rank: the smallest value with at least q of the samples at or below it.
    private static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
}

internal sealed record RouteFigures(string Route, int Requests, double PerSecond, double P50, double P95, double P99, int Errors);
