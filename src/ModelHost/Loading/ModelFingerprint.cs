namespace AgentMem.ModelHost;

/// <summary>
/// SHA-256 over a model's shape and a sample of its weights: cheap to compute on any size of model, and different for
/// different checkpoints in practice, so a KV cartridge made by one model is refused by another.
/// </summary>
public static class ModelFingerprint
{
    private const int Sample = 4096;

    /// <summary>Computes the 32-byte fingerprint.</summary>
    public static byte[] Compute(LlamaConfig config, LlamaWeights weights)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<int> shape = [config.Dim, config.HiddenDim, config.Layers, config.Heads, config.KvHeads, config.VocabSize, config.CheckpointSeqLen > 0 ? config.CheckpointSeqLen : config.SeqLen, config.SharedClassifier ? 1 : 0];
        sha.AppendData(MemoryMarshal.AsBytes(shape));
        foreach (var tensor in new[] { weights.TokenEmbedding, weights.RmsAtt, weights.Wq, weights.Wk, weights.Wv, weights.Wo, weights.RmsFfn, weights.W1, weights.W2, weights.W3, weights.RmsFinal, weights.Classifier })
        {
            // Head and tail of every tensor: a fine-tune or a different checkpoint of the same shape changes these.
            var span = tensor.AsSpan();
            int n = Math.Min(Sample, span.Length);
            sha.AppendData(MemoryMarshal.AsBytes(span[..n]));
            sha.AppendData(MemoryMarshal.AsBytes(span[^n..]));
        }

        return sha.GetHashAndReset();
    }
}
