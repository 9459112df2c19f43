namespace AgentMem.ModelHost;

/// <summary>How the large weight matrices are held in memory.</summary>
public enum WeightQuantization
{
    /// <summary>float32, as loaded (f16/bf16 checkpoints are widened).</summary>
    None,

    /// <summary>
    /// Per-row symmetric int8 (one float scale per output row) for the seven per-layer projections and the classifier;
    /// the token embedding and norms stay float32. About 4× fewer bytes read per decoded token, at a small accuracy cost.
    /// </summary>
    Int8PerRow,
}

/// <summary>Options of <see cref="LlamaModel.Load(string, ModelLoadOptions?)"/>.</summary>
public sealed record ModelLoadOptions
{
    /// <summary>Weight storage; <see cref="WeightQuantization.None"/> by default.</summary>
    public WeightQuantization Quantization { get; init; }

    /// <summary>
    /// Caps the context (<see cref="LlamaConfig.SeqLen"/>) below the checkpoint's own, e.g. for Hugging Face models whose
    /// <c>max_position_embeddings</c> (32k and more) would make every <see cref="KvCache"/> very large. Null keeps the checkpoint's.
    /// </summary>
    public int? MaxSequenceLength { get; init; }

    /// <summary>Where the forward pass runs; <see cref="ComputeBackendKind.Cpu"/> by default.</summary>
    public ComputeBackendKind Backend { get; init; }
}
