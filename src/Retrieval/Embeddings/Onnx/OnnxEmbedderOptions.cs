namespace AgentMem.Retrieval.Embeddings.Onnx;

/// <summary>Settings of <see cref="OnnxSentenceEmbedder"/>.</summary>
public sealed class OnnxEmbedderOptions
{
    /// <summary>Tokens per text, [CLS] and [SEP] included; longer texts are cut (BERT-family encoders stop at 512).</summary>
    public int MaxTokens { get; set; } = 512;

    /// <summary>Texts per encoder run (texts of similar length are batched together, so padding stays small).</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>Threads one encoder run may use; 0 lets ONNX Runtime choose (one per core).</summary>
    public int Threads { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> for settings that cannot work.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTokens, 3, nameof(MaxTokens));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfNegative(Threads, nameof(Threads));
    }
}
