namespace AgentMem.ModelHost.Backends.Cpu;

/// <summary>
/// A projection with LoRA adapters attached, on the CPU: W·x from the base matrix, then Σ scale·B·(A·x) over the adapters that
/// adapt <see cref="Target"/>, added to the same output rows (<see cref="CpuBackend.MatMul"/> does both). Since the fused q|k|v and
/// w1|w3 paths multiply their parts through <see cref="CpuBackend.MatMul"/>, the updates land before biases, RoPE and SwiGLU, and
/// decode and batched prefill share this one code path.
/// </summary>
internal sealed class CpuLoraMatrix(DeviceMatrix baseMatrix, IReadOnlyList<LoraAdapter> adapters, LoraTarget target)
    : DeviceMatrix(baseMatrix.Layers, baseMatrix.Rows, baseMatrix.Cols)
{
    public DeviceMatrix Base { get; } = baseMatrix;

    public LoraTarget Target { get; } = target;

    private IReadOnlyList<LoraAdapter> Adapters { get; } = [.. adapters.Where(a => a.Adapts(target))];

    /// <summary>
    /// o[t] += Σ_adapters scale·B[layer]·(A[layer]·x[t]) for <paramref name="tokens"/> rows: x is [tokens × Cols], o [tokens × Rows].
    /// </summary>
    public void AddUpdates(Span<float> o, int layer, ReadOnlySpan<float> x, int tokens)
    {
        int rows = Rows, cols = Cols;
        foreach (var adapter in Adapters)
        {
            int r = adapter.Rank;
            float[] u = ArrayPool<float>.Shared.Rent(tokens * r);
            float[] d = ArrayPool<float>.Shared.Rent(tokens * rows);
            try
            {
                var us = u.AsSpan(0, tokens * r);
                var ds = d.AsSpan(0, tokens * rows);
                float[] a = adapter.GetA(Target, layer), b = adapter.GetB(Target, layer);
                if (tokens == 1)
                {
                    Kernels.MatVec(us, a, x[..cols]);
                }
                else
                {
                    Kernels.MatMul(us, a, x[..(tokens * cols)], tokens, r, cols);
                }

                // Scaling the rank-sized intermediate, not B: r multiplies per token instead of out·r.
                TensorPrimitives.Multiply(us, adapter.Scale, us);
                if (tokens == 1)
                {
                    Kernels.MatVec(ds, b, us);
                }
                else
                {
                    Kernels.MatMul(ds, b, us, tokens, rows, r);
                }

                var os = o[..(tokens * rows)];
                TensorPrimitives.Add(os, ds, os);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(u);
                ArrayPool<float>.Shared.Return(d);
            }
        }
    }
}
