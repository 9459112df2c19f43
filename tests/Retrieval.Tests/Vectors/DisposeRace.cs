using AgentMem.Retrieval.Vectors;

namespace AgentMem.Retrieval.Tests.Vectors;

/// <summary>Disposes an index while threads keep using it, and reports what Dispose and each thread saw.</summary>
internal static class DisposeRace
{
    /// <summary>
    /// Starts one thread per operation, each calling it in a loop until it throws; once every thread has made its first
    /// call, disposes <paramref name="index"/> on this thread. A thread that sees Dispose return (or throw) makes one more
    /// call and then stops. Returns what Dispose threw (null: nothing) and, per thread, the exception that ended its loop
    /// (null: its call after Dispose went through).
    /// </summary>
    /// <summary>
    /// Races Dispose of a filled <paramref name="index"/> against three searching threads and one adding thread (<see cref="Run"/>)
    /// and asserts that Dispose threw nothing, every thread ended on <see cref="ObjectDisposedException"/>, later calls are
    /// refused as disposed, and a second Dispose does nothing.
    /// </summary>
    public static void AssertCleanDispose<TIndex>(TIndex index, float[][] data, float[][] queries)
        where TIndex : IVectorIndex, IDisposable
    {
        int next = 0;
        var (disposeError, ended) = Run(
            index,
            () => index.Search(queries[0], 10),
            () => index.Search(queries[1], 10),
            () => index.Search(queries[2], 10),
            () => index.Add(next++ % data.Length, data[(next * 7) % data.Length]));
        Assert.Null(disposeError);
        Assert.All(ended, e => Assert.IsType<ObjectDisposedException>(e));
        Assert.Throws<ObjectDisposedException>(() => index.Search(queries[0], 1));
        Assert.Throws<ObjectDisposedException>(() => index.Count);
        index.Dispose(); // a second call does nothing
    }

    public static (Exception? Dispose, Exception?[] Threads) Run(IDisposable index, params Action[] operations)
    {
        var ended = new Exception?[operations.Length];
        int closed = 0;
        using var started = new CountdownEvent(operations.Length);
        var threads = operations.Select((operation, t) => new Thread(() =>
        {
            for (bool first = true, last = false; ; first = false)
            {
                try
                {
                    operation();
                }
                catch (Exception ex)
                {
                    ended[t] = ex;
                    return;
                }
                finally
                {
                    if (first)
                    {
                        started.Signal();
                    }
                }

                if (last)
                {
                    return;
                }

                last = Volatile.Read(ref closed) == 1;
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        started.Wait();
        Exception? disposeError = null;
        try
        {
            index.Dispose();
        }
        catch (Exception ex)
        {
            disposeError = ex;
        }

        Volatile.Write(ref closed, 1);
        threads.ForEach(t => t.Join());
        return (disposeError, ended);
    }
}
