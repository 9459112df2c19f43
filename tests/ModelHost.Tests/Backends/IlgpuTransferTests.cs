using AgentMem.ModelHost.Backends.Ilgpu;

namespace AgentMem.ModelHost.Tests.Backends;

/// <summary>
/// Host↔device copies while the garbage collector compacts the heap: a copy that hands ILGPU an unpinned managed array
/// lets the collector move the array mid-copy, so the data lands at (or comes from) the array's old address. On the CPU
/// accelerator that showed up as a downloaded result of all zeros about once in 50,000 copies under load; forcing
/// compacting collections on another thread makes it show within a few hundred.
/// </summary>
public sealed class IlgpuTransferTests
{
    [Fact]
    public void Copies_keep_their_data_while_the_heap_is_compacted()
    {
        using var backend = IlgpuBackend.Create("cpu");
        const int Length = 2048;
        var expected = new float[Length];
        for (int i = 0; i < Length; i++)
        {
            expected[i] = i + 1;
        }

        using var device = backend.Allocate(Length);
        using var stop = new CancellationTokenSource();
        var compactor = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect(0, GCCollectionMode.Forced, blocking: true, compacting: true);
                Thread.Sleep(1);
            }
        });
        compactor.Start();
        int wrongUploads = 0, wrongDownloads = 0;
        try
        {
            for (int round = 0; round < 3000; round++)
            {
                // Fresh young arrays each round: the ones a compacting gen-0 collection moves.
                var up = (float[])expected.Clone();
                backend.CopyToDevice(up, device.View);
                var down = new float[Length];
                backend.CopyToHost(device.View, down);
                if (!down.AsSpan().SequenceEqual(expected))
                {
                    var check = new float[Length];
                    backend.CopyToHost(device.View, check);
                    _ = check.AsSpan().SequenceEqual(expected) ? wrongDownloads++ : wrongUploads++;
                }
            }
        }
        finally
        {
            stop.Cancel();
            compactor.Join();
        }

        Assert.True(wrongUploads == 0 && wrongDownloads == 0, $"{wrongUploads} uploads and {wrongDownloads} downloads of 3,000 lost data");
    }
}
