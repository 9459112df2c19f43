using System.Buffers;
using System.Numerics.Tensors;

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
    public ReadOnlySpan<float> Prefill(ReadOnlySpan<int> tokens, int startPosition, KvCache cache, CancellationToken cancellationToken = default)
        => PrefillAt(tokens, startPosition, startPosition, cache, null, cancellationToken);

    /// <summary>
    /// <see cref="Prefill"/> with slots decoupled from positions (as <see cref="ForwardAt"/>): token i gets RoPE position
    /// <paramref name="startPosition"/> + i and cache slot <paramref name="startSlot"/> + i, attending over slots 0 .. its own.
    /// <paramref name="observer"/>, when given, sees every head's attention weights, layer by layer, token by token, head by head
    /// (attention then runs on the calling thread).
    /// </summary>
    public ReadOnlySpan<float> PrefillAt(ReadOnlySpan<int> tokens, int startPosition, int startSlot, KvCache cache, IAttentionObserver? observer = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentOutOfRangeException.ThrowIfNegative(startPosition);
        CheckCache(cache, startSlot, tokens.Length);
        foreach (int token in tokens)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(token, nameof(tokens));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(token, Config.VocabSize, nameof(tokens));
        }

        if (tokens.IsEmpty)
        {
            return [];
        }

        var c = Config;
        int chunk = Math.Min(PrefillChunk, tokens.Length);
        float[] x = ArrayPool<float>.Shared.Rent(chunk * c.Dim);
        float[] xb = ArrayPool<float>.Shared.Rent(chunk * c.Dim);
        float[] q = ArrayPool<float>.Shared.Rent(chunk * c.Dim);
        float[] hb = ArrayPool<float>.Shared.Rent(chunk * c.HiddenDim);
        float[] hb2 = ArrayPool<float>.Shared.Rent(chunk * c.HiddenDim);
        try
        {
            for (int done = 0; done < tokens.Length; done += chunk)
            {
                int n = Math.Min(chunk, tokens.Length - done);
                PrefillChunkAt(tokens.Slice(done, n), startPosition + done, startSlot + done, cache, observer, x, xb, q, hb, hb2, cancellationToken);
            }

            // Logits of the last token only.
            int lastChunkStart = (tokens.Length - 1) / chunk * chunk;
            var last = x.AsSpan((tokens.Length - 1 - lastChunkStart) * c.Dim, c.Dim);
            Kernels.RmsNorm(last, last, w.RmsFinal, c.NormEpsilon);
            classifier.MatVec(cache.Logits, 0, last);
            return cache.Logits;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(x);
            ArrayPool<float>.Shared.Return(xb);
            ArrayPool<float>.Shared.Return(q);
            ArrayPool<float>.Shared.Return(hb);
            ArrayPool<float>.Shared.Return(hb2);
        }
    }

    private void PrefillChunkAt(ReadOnlySpan<int> tokens, int startPosition, int startSlot, KvCache cache, IAttentionObserver? observer, float[] xArr, float[] xbArr, float[] qArr, float[] hbArr, float[] hb2Arr, CancellationToken cancellationToken)
    {
        var c = Config;
        int n = tokens.Length, dim = c.Dim, kvDim = c.KvDim, hidden = c.HiddenDim, hs = c.HeadSize;
        Span<float> x = xArr.AsSpan(0, n * dim), xb = xbArr.AsSpan(0, n * dim), q = qArr.AsSpan(0, n * dim);
        Span<float> hb = hbArr.AsSpan(0, n * hidden), hb2 = hb2Arr.AsSpan(0, n * hidden);
        for (int t = 0; t < n; t++)
        {
            w.TokenEmbedding.AsSpan(tokens[t] * dim, dim).CopyTo(x.Slice(t * dim, dim));
        }

        float invSqrtHs = 1f / MathF.Sqrt(hs);
        for (int l = 0; l < c.Layers; l++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (int t = 0; t < n; t++)
            {
                Kernels.RmsNorm(xb.Slice(t * dim, dim), x.Slice(t * dim, dim), w.RmsAtt.AsSpan(l * dim, dim), c.NormEpsilon);
            }

            // Keys and values go straight into their (consecutive) cache slots: [n × kvDim] is the cache's own layout.
            var k = cache.Keys[l].AsSpan(startSlot * kvDim, n * kvDim);
            var v = cache.Values[l].AsSpan(startSlot * kvDim, n * kvDim);
            wq.MatMul(q, l, xb, n);
            wk.MatMul(k, l, xb, n);
            wv.MatMul(v, l, xb, n);
            AddBiases(l, q, k, v, n);
            for (int t = 0; t < n; t++)
            {
                Kernels.Rope(q.Slice(t * dim, dim), startPosition + t, hs, c.RopeBase, c.RopeStyle);
                Kernels.Rope(k.Slice(t * kvDim, kvDim), startPosition + t, hs, c.RopeBase, c.RopeStyle);
            }

            CausalAttention(l, n, startSlot, cache, observer, qArr, xbArr, invSqrtHs);

            wo.MatMul(q, l, xb, n); // q is free again: it takes the output projection
            TensorPrimitives.Add(x, q, x);

            for (int t = 0; t < n; t++)
            {
                Kernels.RmsNorm(xb.Slice(t * dim, dim), x.Slice(t * dim, dim), w.RmsFfn.AsSpan(l * dim, dim), c.NormEpsilon);
            }

            w1.MatMul(hb, l, xb, n);
            w3.MatMul(hb2, l, xb, n);
            for (int t = 0; t < n; t++)
            {
                Kernels.SwiGlu(hb.Slice(t * hidden, hidden), hb2.Slice(t * hidden, hidden), cache.Hb3);
            }

            w2.MatMul(xb, l, hb, n);
            TensorPrimitives.Add(x, xb, x);
        }

        for (int t = 0; t < n; t++)
        {
            cache.SetFilled(startSlot + t, startPosition + t);
        }
    }

    /// <summary>Attention of tokens startSlot .. startSlot+n-1 over slots 0 .. their own, each (token, head) independent.</summary>
    private void CausalAttention(int layer, int n, int startSlot, KvCache cache, IAttentionObserver? observer, float[] qArr, float[] outArr, float invSqrtHs)
    {
        var c = Config;
        int dim = c.Dim, kvDim = c.KvDim, hs = c.HeadSize, heads = c.Heads, kvMul = c.KvMul;
        float[] keys = cache.Keys[layer], values = cache.Values[layer];
        int items = n * heads;

        void Item(int i, float[] att)
        {
            int t = i / heads, h = i % heads, slot = startSlot + t;
            var weights = att.AsSpan(0, slot + 1);
            Attend(qArr.AsSpan((t * dim) + (h * hs), hs), keys, values, kvDim, h / kvMul * hs, weights, outArr.AsSpan((t * dim) + (h * hs), hs), invSqrtHs);
            observer?.OnAttention(layer, h, slot, weights);
        }

        long work = (long)items * (startSlot + n) * hs;
        int parts = observer is null && work >= Kernels.ParallelMinWeights && Environment.ProcessorCount > 1 ? Math.Min(items, Environment.ProcessorCount * 4) : 1;
        if (parts == 1)
        {
            float[] att = ArrayPool<float>.Shared.Rent(startSlot + n);
            try
            {
                for (int i = 0; i < items; i++)
                {
                    Item(i, att);
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(att);
            }

            return;
        }

        Parallel.For(0, parts, p =>
        {
            float[] att = ArrayPool<float>.Shared.Rent(startSlot + n);
            try
            {
                // Interleaved assignment: later tokens attend over more slots, so striding balances the parts.
                for (int i = p; i < items; i += parts)
                {
                    Item(i, att);
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(att);
            }
        });
    }
}
