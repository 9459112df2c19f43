namespace AgentMem.Server.Hosting;

/// <summary>
/// Applies the cubes' hard-delete TTL in the background (<see cref="MemoryOS.SweepExpiredAsync"/>): once at start, then
/// every interval, tenant by tenant. It logs counts only, never ids or content; a failed sweep is logged and retried at
/// the next interval (a cube that fails does not stop the tenant's other cubes, and what they purged is counted).
/// </summary>
internal static class ExpirySweep
{
    /// <summary>Sweeps the tenants <paramref name="tenants"/> names at each run (the keys in force change) until <paramref name="stopping"/> fires.</summary>
    public static async Task RunAsync(MemoryOS memory, Func<IReadOnlyList<string>> tenants, TimeSpan interval, ILogger log, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(tenants);
        ArgumentNullException.ThrowIfNull(log);
        using var timer = new PeriodicTimer(interval, memory.TimeProvider);
        try
        {
            do
            {
                int purged = 0;
                foreach (string tenant in tenants())
                {
                    try
                    {
                        purged += await memory.SweepExpiredAsync(tenant, stopping).ConfigureAwait(false);
                    }
                    catch (ExpirySweepException ex)
                    {
                        // The tenant's other cubes were swept: what they purged is counted, the failed cubes retried.
                        purged += ex.Purged;
                        log.LogWarning(ex, "The hard-delete TTL sweep failed in {Failed} cube(s) of one tenant; they are tried again in {Interval}.", ex.Cubes.Count, interval);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        log.LogWarning(ex, "The hard-delete TTL sweep failed for one tenant; it is tried again in {Interval}.", interval);
                    }
                }

                if (purged > 0 && log.IsEnabled(LogLevel.Information))
                {
                    log.LogInformation("The hard-delete TTL sweep purged {Purged} expired memories.", purged);
                }
            }
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }
}
