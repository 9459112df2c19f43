using System.Diagnostics;
using ILGPU;
using ILGPU.Runtime;

namespace AgentMem.ModelHost.Bench;

/// <summary>
/// The device's copy bandwidth, measured with an ILGPU grid-stride copy kernel (b[i] = a[i]) on the preferred accelerator (a GPU
/// when there is one): bytes read + written ÷ time, best of 5 after a warm-up. 1 GiB buffers on a GPU, 16 MiB on ILGPU's CPU
/// accelerator (which interprets the kernel slowly). The context and accelerator are disposed before returning.
/// </summary>
internal static class DeviceBandwidth
{
    /// <summary>Measures; returns GB/s (10⁹ bytes), the accelerator's description and the size of one buffer in bytes.</summary>
    public static (double GBps, string Device, long BufferBytes) Measure()
    {
        using var context = Context.Create(b => b.Default());
        using var accelerator = context.GetPreferredDevice(preferCPU: false).CreateAccelerator(context);
        bool cpu = accelerator.AcceleratorType == AcceleratorType.CPU;
        long bufferBytes = cpu ? 16L << 20 : 1L << 30;
        long n = bufferBytes / sizeof(float);
        using var a = accelerator.Allocate1D<float>(n);
        using var b = accelerator.Allocate1D<float>(n);
        a.MemSetToZero();
        b.MemSetToZero();
        var kernel = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>>(Copy);
        int group = Math.Min(256, accelerator.MaxNumThreadsPerGroup);
        int grid = accelerator.NumMultiprocessors * 16;
        var config = new KernelConfig(grid, group);
        kernel(config, a.View, b.View);
        accelerator.Synchronize();
        double best = 0;
        for (int run = 0; run < 5; run++)
        {
            var sw = Stopwatch.StartNew();
            kernel(config, a.View, b.View);
            accelerator.Synchronize();
            best = Math.Max(best, 2.0 * bufferBytes / sw.Elapsed.TotalSeconds / 1e9);
        }

        return (best, $"{accelerator.AcceleratorType}: {accelerator.Name}, {grid}×{group} threads", bufferBytes);
    }

    // Grid-stride loop: each thread copies elements global index, + grid size, + 2 × grid size, ...
    private static void Copy(ArrayView<float> a, ArrayView<float> b)
    {
        int stride = Grid.DimX * Group.DimX;
        int length = a.IntLength;
        for (int i = Grid.GlobalIndex.X; i < length; i += stride)
        {
            b[i] = a[i];
        }
    }
}
