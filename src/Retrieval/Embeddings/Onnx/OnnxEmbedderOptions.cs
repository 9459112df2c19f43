namespace AgentMem.Retrieval.Embeddings.Onnx;

/// <summary>Settings of <see cref="OnnxSentenceEmbedder"/>.</summary>
public sealed class OnnxEmbedderOptions
{
    /// <summary>
    /// Tokens per text, [CLS] and [SEP] included; longer texts are cut, at the smaller of this and the model card's own
    /// limit (<see cref="SentenceModelCard.MaxTokens"/>, its max_seq_length: 256 for all-MiniLM-L6-v2, 512 for
    /// arctic-embed-xs; <see cref="OnnxSentenceEmbedder.MaxTokens"/> says which). At most the model's positions (512 for
    /// BERT-family encoders, both packaged models included): a larger value is refused when the model is loaded, with the
    /// model's limit.
    /// </summary>
    public int MaxTokens { get; set; } = 512;

    /// <summary>
    /// Texts per encoder run (texts of similar length are batched together, so padding stays small). Default 16: on the
    /// 2-core VM, arctic-embed-xs embedded LoCoMo turns and longchat passages 3–8% slower at 16 than at 8 and 15–25% faster
    /// than at 32 (<c>bench/Embedding</c>).
    /// </summary>
    public int BatchSize { get; set; } = 16;

    /// <summary>
    /// Token slots per encoder run: texts × the longest one's tokens. A batch of long texts holds fewer of them, because
    /// the encoder's attention grows with the square of the length: on the 2-core VM a text of 512 tokens took 50–56 ms in
    /// runs of 2–8 texts and 68–80 ms in runs of 16, and a process embedding such texts peaked at 482 MB resident instead
    /// of 1,240 (model included; ONNX Runtime keeps a run's working memory for the next). Default 2048: 16 texts up to 128
    /// tokens, 8 up to 256, 4 up to 512 (<c>bench/Embedding</c>). A text longer than this still runs, alone.
    /// </summary>
    public int MaxBatchTokens { get; set; } = 2048;

    /// <summary>
    /// Threads one encoder run may use; 0 (the default) uses one per processor the process may run on
    /// (<see cref="Environment.ProcessorCount"/>). ONNX Runtime's own default ran one thread on the 2-core VM: half the
    /// throughput, and a query took 6.6 ms instead of 4.5.
    /// </summary>
    public int Threads { get; set; }

    /// <summary>The encoder's thread count: <see cref="Threads"/>, or one per processor when it is 0.</summary>
    internal int EffectiveThreads => Threads > 0 ? Threads : Environment.ProcessorCount;

    /// <summary>
    /// ONNX Runtime's memory pattern: a buffer plan cached per input shape. Off: batches change shape every run, so each
    /// new shape added a plan and its buffers (bench/Embedding compares; it is no slower off).
    /// </summary>
    internal bool MemoryPattern { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> for settings that cannot work.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTokens, 3, nameof(MaxTokens));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchTokens, 1, nameof(MaxBatchTokens));
        ArgumentOutOfRangeException.ThrowIfNegative(Threads, nameof(Threads));
    }
}
