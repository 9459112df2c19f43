namespace AgentMem.ModelHost.Backends;

/// <summary>
/// The seam between the LLaMA forward pass (<see cref="LlamaModel"/>: one driver for decode and batched prefill) and the
/// hardware: memory, transfers and the operations the forward pass needs, at the grain that lets a device fuse them (the
/// q/k/v projections with RoPE and the cache store; the gated feed-forward). Activations are row-major [rows × width] views;
/// operations on one backend run in call order (a device backend may queue them; <see cref="CopyToHost"/> waits for them).
/// Implementations: <see cref="Cpu.CpuBackend"/> (today's kernels) and <see cref="Ilgpu.IlgpuBackend"/>.
/// </summary>
internal interface IComputeBackend
{
    /// <summary>What runs the kernels, for people: e.g. "ILGPU on Cuda: NVIDIA H200".</summary>
    string Device { get; }

    /// <summary>True when buffers are host arrays (no transfers are ever needed).</summary>
    bool IsHostMemory { get; }

    /// <summary>A zeroed buffer of <paramref name="length"/> floats, owned by the caller.</summary>
    DeviceBuffer Allocate(int length);

    /// <summary>A buffer holding <paramref name="data"/> (the CPU backend uses the array itself: do not change it afterwards).</summary>
    DeviceBuffer Upload(float[] data);

    /// <summary>The matrix in this backend's memory and layout.</summary>
    DeviceMatrix Upload(WeightMatrix matrix);

    /// <summary>Copies host floats into <paramref name="destination"/> (same length).</summary>
    void CopyToDevice(ReadOnlySpan<float> source, DeviceView destination);

    /// <summary>Copies <paramref name="source"/> into host memory (same length), after every queued operation has finished.</summary>
    void CopyToHost(DeviceView source, Span<float> destination);

    /// <summary>x[t] = table[tokens[t]] (rows of <paramref name="dim"/> floats of a host table).</summary>
    void Embed(DeviceView x, float[] table, ReadOnlySpan<int> tokens, int dim);

    /// <summary>o[t] = gain ⊙ x[t] / sqrt(mean(x[t]²) + eps) for each of <paramref name="rows"/> rows of gain.Length floats; o may be x.</summary>
    void RmsNorm(DeviceView o, DeviceView x, DeviceView gain, int rows, float eps);

    /// <summary>o[t] = W[layer] · x[t] for <paramref name="tokens"/> rows: o is [tokens × w.Rows], x is [tokens × w.Cols].</summary>
    void MatMul(DeviceView o, DeviceMatrix w, int layer, DeviceView x, int tokens);

    /// <summary>
    /// residual[t] += W[layer] · x[t] (the residual stream's update). <paramref name="scratch"/> ([tokens × w.Rows]) is the
    /// backend's to use (the CPU computes the product there, then adds).
    /// </summary>
    void MatMulAdd(DeviceView residual, DeviceMatrix w, int layer, DeviceView x, int tokens, DeviceView scratch);

    /// <summary>Matrices of equal layers and columns stacked by rows (for <see cref="AttentionInputs"/> and <see cref="GatedFeedForward"/>).</summary>
    DeviceMatrix UploadStack(IReadOnlyList<WeightMatrix> parts);

    /// <summary>q, k, v projections, biases, RoPE, and k, v into their cache slots (see <see cref="ProjectionArgs"/>).</summary>
    void AttentionInputs(in ProjectionArgs args);

    /// <summary>Causal attention over a layer's cache (see <see cref="AttentionArgs"/>).</summary>
    void Attention(in AttentionArgs args);

    /// <summary>
    /// h[t] = silu(W1·x[t]) ⊙ (W3·x[t]) with <paramref name="w13"/> the stacked w1|w3; h and <paramref name="scratch"/> are
    /// [tokens × hidden] (scratch is the backend's to use).
    /// </summary>
    void GatedFeedForward(DeviceView h, DeviceMatrix w13, int layer, DeviceView x, int tokens, DeviceView scratch);
}
