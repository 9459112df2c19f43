namespace AgentMem.ModelHost;

/// <summary>Where a <see cref="LlamaModel"/> runs its forward pass.</summary>
public enum ComputeBackendKind
{
    /// <summary>On the host's cores with <c>TensorPrimitives</c> kernels (the default).</summary>
    Cpu,

    /// <summary>
    /// ILGPU kernels with weights and the KV cache resident on the device: a CUDA GPU when one is present, else ILGPU's CPU
    /// accelerator (slow; it exists so every kernel is exercised without a GPU). <see cref="LlamaModel.BackendDescription"/>
    /// says which was picked.
    /// </summary>
    Ilgpu,
}
