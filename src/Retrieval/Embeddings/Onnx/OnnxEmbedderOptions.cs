namespace AgentMem.Retrieval.Embeddings.Onnx;

/// <summary>Settings of <see cref="OnnxSentenceEmbedder"/>.</summary>
public sealed class OnnxEmbedderOptions
{
    /// <summary>Tokens per text, [CLS] and [SEP] included; longer texts are cut (BERT-family encoders stop at 512).</summary>
    public int MaxTokens { get; set; } = 512;

    /// <summary>
    /// Texts per encoder run (texts of similar length are batched together, so padding stays small). Default 16: on the
    /// 2-core VM, arctic-embed-xs embedded LoCoMo turns and longchat passages 3–8% slower at 16 than at 8 and 15–25% faster
    /// than at 32 (<c>bench/Embedding</c>).
    /// </summary>
    public int BatchSize { get; set; } = 16;

    /// <summary>
    /// Threads one encoder run may use; 0 (the default) uses one per processor the process may run on
    /// (<see cref="Environment.ProcessorCount"/>). ONNX Runtime's own default ran one thread on the 2-core VM: half the
    /// throughput, and a query took 6.6 ms instead of 4.5.
    /// </summary>
    public int Threads { get; set; }

    /// <summary>The encoder's thread count: <see cref="Threads"/>, or one per processor when it is 0.</summary>
    internal int EffectiveThreads => Threads > 0 ? Threads : Environment.ProcessorCount;

    /// <summary>Throws <see cref="ArgumentException"/> for settings that cannot work.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTokens, 3, nameof(MaxTokens));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfNegative(Threads, nameof(Threads));
    }
}
