using System.Runtime.ExceptionServices;

namespace AgentMem.Retrieval.Hybrid.Signals;

/// <summary>
/// A computation offered to the thread pool that the caller runs itself if no pool thread has started it by the time
/// the result is needed: two signals proceed side by side on two cores, and a busy pool costs nothing but the handoff
/// (the caller never blocks on work that is merely queued, only on work already running).
/// </summary>
internal sealed class OffloadedWork<T>
{
    private readonly Func<T> work;
    private readonly TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int claimed;
    private T? result;
    private ExceptionDispatchInfo? failure;

    private OffloadedWork(Func<T> work) => this.work = work;

    /// <summary>Queues <paramref name="work"/> to the thread pool.</summary>
    public static OffloadedWork<T> Start(Func<T> work)
    {
        var offloaded = new OffloadedWork<T>(work);
        ThreadPool.UnsafeQueueUserWorkItem(static w => w.TryRun(), offloaded, preferLocal: false);
        return offloaded;
    }

    /// <summary>The result: computed here if the pool has not started it, else waited for (rethrowing its exception).</summary>
    public T Join()
    {
        TryRun();
        done.Task.Wait(); // only ever waits for work a pool thread is running
        failure?.Throw();
        return result!;
    }

    private void TryRun()
    {
        if (Interlocked.Exchange(ref claimed, 1) != 0)
        {
            return;
        }

        try
        {
            result = work();
        }
        catch (Exception ex)
        {
            failure = ExceptionDispatchInfo.Capture(ex);
        }
        finally
        {
            done.SetResult();
        }
    }
}
