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
                Transpose(f, (int)(l * size), t, m.Rows, m.Cols);
                dev.View.SubView(l * size, size).CopyFromCPU(ref t[0], size);
            }

            return new IlgpuMatrix(m.Layers, m.Rows, m.Cols, dev, null, null);
        }

        var q = m.Int8!;
        var qd = accelerator.Allocate1D<sbyte>(m.Layers * size);
        var qt = new sbyte[size];
        for (int l = 0; l < m.Layers; l++)
        {
            Transpose(q, (int)(l * size), qt, m.Rows, m.Cols);
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

    /// <summary>destination[j, r] = source[r, j], in 32 × 32 tiles (both sides stay in cache) spread over the cores.</summary>
    private static void Transpose<T>(T[] source, int offset, T[] destination, int rows, int cols)
    {
        const int Tile = 32;
        int rowTiles = (rows + Tile - 1) / Tile;
        Parallel.For(0, rowTiles, rt =>
        {
            int r0 = rt * Tile, r1 = Math.Min(rows, r0 + Tile);
            for (int j0 = 0; j0 < cols; j0 += Tile)
            {
                int j1 = Math.Min(cols, j0 + Tile);
                for (int r = r0; r < r1; r++)
                {
                    int from = offset + (r * cols);
                    for (int j = j0; j < j1; j++)
                    {
                        destination[((long)j * rows) + r] = source[from + j];
                    }
                }
            }
        });
    }
}
