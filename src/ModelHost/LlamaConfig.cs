namespace AgentMem.ModelHost;

/// <summary>Hyper-parameters of a LLaMA-family model, as stored in the llama2.c checkpoint header.</summary>
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

    /// <summary>RMSNorm epsilon used by llama2.c.</summary>
    public const float RmsEps = 1e-5f;

    /// <summary>RoPE base frequency used by llama2.c.</summary>
    public const float RopeTheta = 10000f;
}
