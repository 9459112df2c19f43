using System.Collections.Concurrent;
using AgentMem.Stores.Postgres;

namespace AgentMem.Server.Hosting;

/// <summary>
/// Wakes a node when another node writes to a shared PostgreSQL database (<c>LISTEN/NOTIFY</c>): each cube this node
/// holds an index for catches up from the change feed at once, in the background, so its next search starts in step
/// rather than applying the backlog first. Correctness never depends on it: every search compares the feed's sequence
/// with what its index applied. Notices for the same cube coalesce while a catch-up runs.
/// </summary>
internal static class ChangeWatcher
{
    /// <summary>Listens until <paramref name="stopping"/> fires, listening again after a lost connection.</summary>
    /// <param name="store">The store whose notices to follow.</param>
    /// <param name="state">The node's retrieval state: only cubes it holds are caught up (others load on their first search).</param>
    /// <param name="log">Where a lost connection or a failed catch-up is reported.</param>
    /// <param name="stopping">Ends the watch.</param>
    public static async Task RunAsync(PostgresMemoryStore store, RetrievalState state, ILogger log, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(log);
        var pending = new ConcurrentDictionary<(string Tenant, string CubeId), byte>();
        using var signal = new SemaphoreSlim(0);
        var worker = CatchUpAsync(state, pending, signal, log, stopping);
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                try
                {
                    await foreach (var notice in store.ListenAsync(stopping).ConfigureAwait(false))
                    {
                        if (pending.TryAdd((notice.Tenant, notice.CubeId), 0))
                        {
                            signal.Release();
                        }
                    }
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    log.LogWarning(ex, "Lost the PostgreSQL change notices ({Location}); listening again in a second. Searches still catch up on their own.", store.Location);
                    await Task.Delay(TimeSpan.FromSeconds(1), stopping).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }

        await worker.ConfigureAwait(false);
    }

    private static async Task CatchUpAsync(RetrievalState state, ConcurrentDictionary<(string Tenant, string CubeId), byte> pending, SemaphoreSlim signal, ILogger log, CancellationToken stopping)
    {
        try
        {
            while (true)
            {
                await signal.WaitAsync(stopping).ConfigureAwait(false);
                foreach (var key in pending.Keys)
                {
                    // Removed before the catch-up, so a notice arriving during it schedules another pass.
                    if (!pending.TryRemove(key, out _))
                    {
                        continue;
                    }

                    try
                    {
                        // Only a cube held, and no search: it must not keep a cube here that only other nodes use.
                        await state.CatchUpHeldAsync(key.Tenant, key.CubeId, stopping).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        log.LogWarning(ex, "Catching up cube {Cube} of tenant {Tenant} after a change notice failed; its next search retries.", key.CubeId, key.Tenant);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }
}
