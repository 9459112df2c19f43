namespace AgentMem.ModelHost;

/// <summary>
/// One stacked projection ([layers × rows × cols] row-major), held either as float32 or as per-row int8 with float scales;
/// the model calls <see cref="MatVec"/> / <see cref="MatMul"/> and does not care which.
/// </summary>
internal sealed class WeightMatrix : DeviceMatrix
{
    private readonly float[]? f;
    private readonly sbyte[]? q;
    private readonly float[]? scales;

    public WeightMatrix(float[] data, int layers, int rows, int cols)
        : base(layers, rows, cols)
    {
        if ((long)layers * rows * cols != data.Length)
        {
            throw new ArgumentException($"expected {(long)layers * rows * cols} weights, got {data.Length}.", nameof(data));
        }

        f = data;
    }

    private WeightMatrix(sbyte[] q, float[] scales, int layers, int rows, int cols)
        : base(layers, rows, cols)
    {
        this.q = q;
        this.scales = scales;
    }

    /// <summary>The float32 weights, or null when int8.</summary>
    public float[]? Floats => f;

    /// <summary>The int8 weights, or null when float32.</summary>
    public sbyte[]? Int8 => q;

    /// <summary>The int8 rows' scales [layers × rows], or null when float32.</summary>
    public float[]? Scales => scales;

    public bool IsInt8 => q is not null;

    /// <summary>Bytes one pass over a layer's matrix reads (weights, plus scales when int8).</summary>
    public long BytesPerLayer => IsInt8 ? ((long)Rows * Cols) + (4L * Rows) : 4L * Rows * Cols;

    /// <summary>Per-row int8 copy of this (float) matrix.</summary>
    public WeightMatrix QuantizeInt8()
    {
        if (f is null)
        {
            return this;
        }

        var qs = new sbyte[f.Length];
        var sc = new float[Layers * Rows];
        Kernels.QuantizeRows(f, Layers * Rows, Cols, qs, sc);
        return new WeightMatrix(qs, sc, Layers, Rows, Cols);
    }

    /// <summary>o = W[layer] · x.</summary>
    public void MatVec(Span<float> o, int layer, ReadOnlySpan<float> x)
    {
        long size = (long)Rows * Cols;
        if (f is not null)
        {
            Kernels.MatVec(o[..Rows], f.AsSpan((int)(layer * size), (int)size), x[..Cols]);
        }
        else
        {
            Kernels.MatVecInt8(o[..Rows], q.AsSpan((int)(layer * size), (int)size), scales.AsSpan(layer * Rows, Rows), x[..Cols]);
        }
    }

    /// <summary>o[t] = W[layer] · x[t] for <paramref name="tokens"/> rows of x.</summary>
    public void MatMul(Span<float> o, int layer, ReadOnlySpan<float> x, int tokens)
    {
        long size = (long)Rows * Cols;
        if (f is not null)
        {
            Kernels.MatMul(o, f.AsSpan((int)(layer * size), (int)size), x, tokens, Rows, Cols);
        }
        else
        {
            Kernels.MatMulInt8(o, q.AsSpan((int)(layer * size), (int)size), scales.AsSpan(layer * Rows, Rows), x, tokens, Rows, Cols);
        }
    }
}
