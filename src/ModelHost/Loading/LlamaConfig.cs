namespace AgentMem.ModelHost;

/// <summary>Which elements of a head RoPE rotates together.</summary>
public enum RopeStyle
{
    /// <summary>Adjacent pairs (v[2i], v[2i+1]): llama2.c and Meta's original LLaMA layout.</summary>
    Interleaved,

    /// <summary>
    /// Pairs (v[i], v[i + headSize/2]) — Hugging Face's <c>rotate_half</c> (GPT-NeoX layout), used by LLaMA, Qwen2 and SmolLM
    /// checkpoints in the transformers format. Same frequencies as <see cref="Interleaved"/>; q/k rows are permuted between the two.
    /// </summary>
    Half,
}

/// <summary>Hyper-parameters of a LLaMA-family model, as stored in the llama2.c checkpoint header or a Hugging Face <c>config.json</c>.</summary>
/// <param name="Dim">Width of the residual stream.</param>
/// <param name="HiddenDim">Width of the SwiGLU feed-forward layer.</param>
/// <param name="Layers">Number of transformer blocks.</param>
/// <param name="Heads">Number of query heads.</param>
/// <param name="KvHeads">Number of key/value heads (fewer than <paramref name="Heads"/> for grouped-query attention).</param>
/// <param name="VocabSize">Number of tokens.</param>
/// <param name="SeqLen">Maximum context length (positions 0 .. SeqLen-1).</param>
/// <param name="SharedClassifier">True when the output classifier reuses the token embedding table.</param>
public sealed record LlamaConfig(int Dim, int HiddenDim, int Layers, int Heads, int KvHeads, int VocabSize, int SeqLen, bool SharedClassifier)
{
    /// <summary>Width of one attention head.</summary>
    public int HeadSize => Dim / Heads;

    /// <summary>Width of the key/value projections (KvHeads × HeadSize).</summary>
    public int KvDim => KvHeads * HeadSize;

    /// <summary>How many query heads share one key/value head.</summary>
    public int KvMul => Heads / KvHeads;

    /// <summary>RMSNorm epsilon used by llama2.c (the default of <see cref="NormEpsilon"/>).</summary>
    public const float RmsEps = 1e-5f;

    /// <summary>RoPE base frequency used by llama2.c (the default of <see cref="RopeBase"/>).</summary>
    public const float RopeTheta = 10000f;

    /// <summary>Which pairs RoPE rotates: <see cref="RopeStyle.Interleaved"/> for llama2.c checkpoints, <see cref="RopeStyle.Half"/> for Hugging Face ones.</summary>
    public RopeStyle RopeStyle { get; init; } = RopeStyle.Interleaved;

    /// <summary>RoPE base frequency θ (pair i of a head turns by position · θ^(−2i/headSize)); 10000 for llama2.c, e.g. 1e6 for Qwen2.</summary>
    public float RopeBase { get; init; } = RopeTheta;

    /// <summary>
    /// The context the checkpoint declares when <see cref="SeqLen"/> was capped below it at load
    /// (<see cref="ModelLoadOptions.MaxSequenceLength"/>), else 0. The fingerprint hashes this one: a smaller cache is the
    /// same model, so a cartridge made under one cap loads under another (if it fits).
    /// </summary>
    public int CheckpointSeqLen { get; init; }

    /// <summary>
    /// The RoPE positions the model knows, 0 .. PositionLimit-1: the checkpoint's own context (<see cref="CheckpointSeqLen"/>
    /// when <see cref="SeqLen"/> was capped at load, else <see cref="SeqLen"/>). A cache holds <see cref="SeqLen"/> slots, but
    /// the entries of a compressed or moved cartridge sit at positions past their slots, so decoding stops where either runs out.
    /// </summary>
    public int PositionLimit => CheckpointSeqLen > 0 ? CheckpointSeqLen : SeqLen;

    /// <summary>Llama 3.1-style scaling of the RoPE frequencies, or null for plain RoPE.</summary>
    public RopeScaling? RopeScaling { get; init; }

    /// <summary>RMSNorm epsilon; 1e-5 for llama2.c, <c>rms_norm_eps</c> for Hugging Face models.</summary>
    public float NormEpsilon { get; init; } = RmsEps;

    /// <summary>True when the q/k/v projections have bias vectors (Qwen2); <see cref="LlamaWeights.Bq"/> etc. are then set.</summary>
    public bool QkvBias { get; init; }

    /// <summary>Throws unless every one of <paramref name="tokens"/> is in 0 .. <see cref="VocabSize"/> − 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A token is outside the vocabulary (named <paramref name="paramName"/>).</exception>
    internal void CheckTokens(ReadOnlySpan<int> tokens, string paramName)
    {
        foreach (int token in tokens)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(token, paramName);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(token, VocabSize, paramName);
        }
    }
}
