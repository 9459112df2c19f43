using ILGPU;
using ILGPU.Runtime;

namespace AgentMem.ModelHost.Backends.Ilgpu;

/// <summary>
/// A stacked weight matrix on the device, each layer transposed to [cols × rows] so that threads computing neighbouring
/// output rows read neighbouring addresses; float32, or int8 with per-row scales [layers × rows].
/// </summary>
internal sealed class IlgpuMatrix : DeviceMatrix
{
    private IlgpuMatrix(int layers, int rows, int cols, MemoryBuffer1D<float, Stride1D.Dense>? floats, MemoryBuffer1D<sbyte, Stride1D.Dense>? int8, MemoryBuffer1D<float, Stride1D.Dense>? scales)
    {
        Layers = layers;
        Rows = rows;
        Cols = cols;
        Floats = floats;
        Int8 = int8;
        Scales = scales;
    }

    public override int Layers { get; }

    public override int Rows { get; }

    public override int Cols { get; }

    public MemoryBuffer1D<float, Stride1D.Dense>? Floats { get; }

    public MemoryBuffer1D<sbyte, Stride1D.Dense>? Int8 { get; }

    public MemoryBuffer1D<float, Stride1D.Dense>? Scales { get; }

    /// <summary>Transposes each layer on the host (one layer at a time) and copies it to the device.</summary>
    public static IlgpuMatrix Upload(Accelerator accelerator, WeightMatrix m)
    {
        long size = (long)m.Rows * m.Cols;
        if (m.Floats is { } f)
        {
            var dev = accelerator.Allocate1D<float>(m.Layers * size);
            var t = new float[size];
            for (int l = 0; l < m.Layers; l++)
            {
                Transpose(f.AsSpan((int)(l * size), (int)size), t, m.Rows, m.Cols);
                dev.View.SubView(l * size, size).CopyFromCPU(ref t[0], size);
            }

            return new IlgpuMatrix(m.Layers, m.Rows, m.Cols, dev, null, null);
        }

        var q = m.Int8!;
        var qd = accelerator.Allocate1D<sbyte>(m.Layers * size);
        var qt = new sbyte[size];
        for (int l = 0; l < m.Layers; l++)
        {
            Transpose(q.AsSpan((int)(l * size), (int)size), qt, m.Rows, m.Cols);
            qd.View.SubView(l * size, size).CopyFromCPU(ref qt[0], size);
        }

        var sd = accelerator.Allocate1D(m.Scales!);
        return new IlgpuMatrix(m.Layers, m.Rows, m.Cols, null, qd, sd);
    }

    protected override void Dispose(bool disposing)
    {
        Floats?.Dispose();
        Int8?.Dispose();
        Scales?.Dispose();
        base.Dispose(disposing);
    }

    private static void Transpose<T>(ReadOnlySpan<T> source, Span<T> destination, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            var row = source.Slice(r * cols, cols);
            for (int j = 0; j < cols; j++)
            {
                destination[(j * rows) + r] = row[j];
            }
        }
    }
}
