namespace AgentMem.ModelHost;

/// <summary>Batched prefill: a block of tokens through each layer with matrix–matrix products.</summary>
public sealed partial class LlamaModel
{
    /// <summary>Tokens per prefill chunk: bounds the scratch (chunk × (3·dim + 2·hidden) floats) whatever the prompt length.</summary>
    internal const int PrefillChunk = 128;

    /// <summary>
    /// Runs <paramref name="tokens"/> at positions <paramref name="startPosition"/>, +1, … into cache slots of the same numbers
    /// (the cache must hold slots 0 .. startPosition-1) and returns the last token's next-token logits (the cache's buffer, valid
    /// until the next call on it; empty when <paramref name="tokens"/> is empty). Same result as calling <see cref="Forward"/>
    /// for each token in turn (within float rounding: the same dot products, batched), but each weight matrix is read once per
    /// chunk of <see cref="PrefillChunk"/> tokens instead of once per token, and causal attention runs in parallel over tokens and heads.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The model is disposed.</exception>
    public ReadOnlySpan<float> Prefill(ReadOnlySpan<int> tokens, int startPosition, KvCache cache, CancellationToken cancellationToken = default)
        => PrefillAt(tokens, startPosition, startPosition, cache, null, cancellationToken);

    /// <summary>
    /// <see cref="Prefill"/> with slots decoupled from positions (as <see cref="ForwardAt"/>): token i gets RoPE position
    /// <paramref name="startPosition"/> + i and cache slot <paramref name="startSlot"/> + i, attending over slots 0 .. its own.
    /// <paramref name="observer"/>, when given, sees every head's attention weights, layer by layer, token by token, head by head
    /// (attention then runs on the calling thread). Filled slots from <paramref name="startSlot"/> on are dropped before they are
    /// rewritten, so a call that is cancelled or fails leaves only slots 0 .. startSlot-1 and the chunks it completed.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The model is disposed.</exception>
    public ReadOnlySpan<float> PrefillAt(ReadOnlySpan<int> tokens, int startPosition, int startSlot, KvCache cache, IAttentionObserver? observer = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentOutOfRangeException.ThrowIfNegative(startPosition);
        CheckCache(cache, startSlot, tokens.Length);
        Config.CheckTokens(tokens, nameof(tokens));

        if (tokens.IsEmpty)
        {
            ThrowIfDisposed();
            return [];
        }

        var c = Config;
        int chunk = Math.Min(PrefillChunk, tokens.Length);
        EnterPass();
        try
        {
            var state = cache.Bind(backend);
            cache.PrepareDevice(startSlot);
            using var scratch = state.Rent(c, chunk);
            int lastChunkRows = 0;
            for (int done = 0; done < tokens.Length; done += chunk)
            {
                int n = Math.Min(chunk, tokens.Length - done);
                RunBlock(tokens.Slice(done, n), startPosition + done, startSlot + done, cache, state, scratch, observer, cancellationToken);
                lastChunkRows = n;
            }

            // Logits of the last token only.
            return FinishLogits(cache, state, scratch.X.Slice((long)(lastChunkRows - 1) * c.Dim, c.Dim));
        }
        finally
        {
            ExitPass();
        }
    }
}
