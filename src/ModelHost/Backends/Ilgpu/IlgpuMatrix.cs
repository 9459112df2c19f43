using ILGPU;

namespace AgentMem.ModelHost.Backends.Ilgpu;

/// <summary>
/// A stacked weight matrix on the device, each layer transposed to [cols × rows] so that threads computing neighbouring
/// output rows read neighbouring addresses; float32, or int8 with per-row scales [layers × rows].
/// </summary>
internal sealed class IlgpuMatrix : DeviceMatrix
{
    private IlgpuMatrix(int layers, int rows, int cols, MemoryBuffer1D<float, Stride1D.Dense>? floats, MemoryBuffer1D<sbyte, Stride1D.Dense>? int8, MemoryBuffer1D<float, Stride1D.Dense>? scales)
        : base(layers, rows, cols)
    {
        Floats = floats;
        Int8 = int8;
        Scales = scales;
    }

    public MemoryBuffer1D<float, Stride1D.Dense>? Floats { get; }

    public MemoryBuffer1D<sbyte, Stride1D.Dense>? Int8 { get; }

    public MemoryBuffer1D<float, Stride1D.Dense>? Scales { get; }

    /// <summary>Transposes each layer on the host (one layer at a time) and copies it to the device.</summary>
    public static IlgpuMatrix Upload(Accelerator accelerator, WeightMatrix m) => UploadStack(accelerator, [m]);

    /// <summary>
    /// Stacks <paramref name="parts"/> by rows (same layers, columns and storage) into one transposed matrix per layer,
    /// [cols × Σ rows], so one product computes them all.
    /// </summary>
    public static IlgpuMatrix UploadStack(Accelerator accelerator, IReadOnlyList<WeightMatrix> parts)
    {
        var first = parts[0];
        int layers = first.Layers, cols = first.Cols, rows = 0;
        foreach (var p in parts)
        {
            if (p.Layers != layers || p.Cols != cols || p.IsInt8 != first.IsInt8)
            {
                throw new ArgumentException("stacked matrices need the same layers, columns and storage.", nameof(parts));
            }

            rows += p.Rows;
        }

        long size = (long)rows * cols;
        if (!first.IsInt8)
        {
            var dev = accelerator.Allocate1D<float>(layers * size);
            var t = new float[size];
            for (int l = 0; l < layers; l++)
            {
                int offset = 0;
                foreach (var p in parts)
                {
                    Transpose(p.Floats!, (int)(l * (long)p.Rows * cols), t, p.Rows, cols, rows, offset);
                    offset += p.Rows;
                }

                dev.View.SubView(l * size, size).CopyFromCPU(accelerator.DefaultStream, (ReadOnlySpan<float>)t);
            }

            return new IlgpuMatrix(layers, rows, cols, dev, null, null);
        }

        var qd = accelerator.Allocate1D<sbyte>(layers * size);
        var qt = new sbyte[size];
        var scales = new float[(long)layers * rows];
        for (int l = 0; l < layers; l++)
        {
            int offset = 0;
            foreach (var p in parts)
            {
                Transpose(p.Int8!, (int)(l * (long)p.Rows * cols), qt, p.Rows, cols, rows, offset);
                p.Scales.AsSpan(l * p.Rows, p.Rows).CopyTo(scales.AsSpan((l * rows) + offset));
                offset += p.Rows;
            }

            qd.View.SubView(l * size, size).CopyFromCPU(accelerator.DefaultStream, (ReadOnlySpan<sbyte>)qt);
        }

        return new IlgpuMatrix(layers, rows, cols, null, qd, accelerator.Allocate1D(scales));
    }

    protected override void Dispose(bool disposing)
    {
        Floats?.Dispose();
        Int8?.Dispose();
        Scales?.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>
    /// destination[j, rowOffset + r] = source[offset + r·cols + j] for a [rows × cols] block into a [cols × stackRows] matrix,
    /// in 32 × 32 tiles (both sides stay in cache) spread over the cores.
    /// </summary>
    private static void Transpose<T>(T[] source, int offset, T[] destination, int rows, int cols, int stackRows, int rowOffset)
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
                        destination[((long)j * stackRows) + rowOffset + r] = source[from + j];
                    }
                }
            }
        });
    }
}
