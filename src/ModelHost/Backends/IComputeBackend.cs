namespace AgentMem.ModelHost.Backends;

/// <summary>
/// The seam between the LLaMA forward pass (<see cref="LlamaModel"/>: one driver for decode and batched prefill) and the
/// hardware: memory, transfers and the operations the forward pass needs. Activations are row-major [rows × width] views;
/// operations on one backend run in call order (a device backend may queue them; <see cref="CopyToHost"/> waits for them).
/// Implementations: <see cref="Cpu.CpuBackend"/> (today's kernels) and <see cref="Ilgpu.IlgpuBackend"/>.
/// </summary>
internal interface IComputeBackend
{
    /// <summary>Short name: <c>cpu</c> or <c>ilgpu</c>.</summary>
    string Name { get; }

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

    /// <summary>v[t] += bias for each of <paramref name="rows"/> rows of bias.Length floats.</summary>
    void AddBias(DeviceView v, DeviceView bias, int rows);

    /// <summary>
    /// Rotary embedding of <paramref name="rows"/> rows (row t at position <paramref name="startPosition"/> + t), every head of
    /// <paramref name="headSize"/> in a row, base <paramref name="theta"/>, pairs as <paramref name="style"/> says.
    /// </summary>
    void Rope(DeviceView v, int rows, int startPosition, int headSize, float theta, RopeStyle style);

    /// <summary>Causal attention over a layer's cache (see <see cref="AttentionArgs"/>).</summary>
    void Attention(in AttentionArgs args);

    /// <summary>h1 = silu(h1) ⊙ h3, element-wise over the views (same length).</summary>
    void SwiGlu(DeviceView h1, DeviceView h3);
}
