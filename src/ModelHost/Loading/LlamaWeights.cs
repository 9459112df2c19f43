namespace AgentMem.ModelHost;

/// <summary>
/// Weights of a LLaMA model in llama2.c layout: matrices row-major [out][in], per-layer tensors stacked along the first axis.
/// </summary>
/// <param name="TokenEmbedding">[vocab × dim].</param>
/// <param name="RmsAtt">[layers × dim] attention RMSNorm gains.</param>
/// <param name="Wq">[layers × dim × dim].</param>
/// <param name="Wk">[layers × kv_dim × dim].</param>
/// <param name="Wv">[layers × kv_dim × dim].</param>
/// <param name="Wo">[layers × dim × dim].</param>
/// <param name="RmsFfn">[layers × dim] feed-forward RMSNorm gains.</param>
/// <param name="W1">[layers × hidden × dim] gate projection.</param>
/// <param name="W2">[layers × dim × hidden] down projection.</param>
/// <param name="W3">[layers × hidden × dim] up projection.</param>
/// <param name="RmsFinal">[dim] final RMSNorm gains.</param>
/// <param name="Classifier">[vocab × dim]; the same array as <paramref name="TokenEmbedding"/> when shared.</param>
#pragma warning disable CA1819 // Weights are large buffers read in place; copying them behind properties would defeat the point.
public sealed record LlamaWeights(
    float[] TokenEmbedding,
    float[] RmsAtt,
    float[] Wq,
    float[] Wk,
    float[] Wv,
    float[] Wo,
    float[] RmsFfn,
    float[] W1,
    float[] W2,
    float[] W3,
    float[] RmsFinal,
    float[] Classifier)
{
    /// <summary>[layers × dim] query bias (Qwen2), or null when the model has none.</summary>
    public float[]? Bq { get; init; }

    /// <summary>[layers × kv_dim] key bias (Qwen2), or null.</summary>
    public float[]? Bk { get; init; }

    /// <summary>[layers × kv_dim] value bias (Qwen2), or null.</summary>
    public float[]? Bv { get; init; }
}
#pragma warning restore CA1819
