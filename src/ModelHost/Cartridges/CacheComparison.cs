namespace AgentMem.ModelHost;

/// <summary>
/// Measures what an approximate cache (compressed, or composed from independent cartridges) costs: decodes the same continuation
/// from a reference cache and a candidate cache and compares the next-token distributions step by step.
/// </summary>
public static class CacheComparison
{
    /// <summary>
    /// Compares <paramref name="steps"/> continuation tokens. Each factory returns a fresh cache ready to be fed
    /// <paramref name="firstToken"/> at its <see cref="KvCache.NextPosition"/> in slot <see cref="KvCache.Length"/>; each is called
    /// twice (teacher-forced run on the reference's greedy tokens, then free-running greedy runs). The caches are disposed
    /// when done with (a device model's copies are freed then, not at garbage collection).
    /// </summary>
    public static ContinuationQuality Compare(LlamaModel model, Func<KvCache> reference, Func<KvCache> candidate, int firstToken, int steps) =>
        Compare(model, reference, candidate, firstToken, null, steps);

    /// <summary>
    /// <see cref="Compare(LlamaModel, Func{KvCache}, Func{KvCache}, int, int)"/> with <paramref name="firstToken"/> fed at
    /// <paramref name="firstPosition"/> in both caches: into the slot that holds that position (rewriting its entry and dropping
    /// later slots, as <see cref="Generator.Resume"/> feeds a cartridge's last token again) or, past a cache's last position, into
    /// its next free slot. So a cartridge imported whole is measured as it runs.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="firstPosition"/> is neither held by a slot of a cache nor past its last.</exception>
    public static ContinuationQuality Compare(LlamaModel model, Func<KvCache> reference, Func<KvCache> candidate, int firstToken, int firstPosition, int steps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstPosition);
        return Compare(model, reference, candidate, firstToken, (int?)firstPosition, steps);
    }

    private static ContinuationQuality Compare(LlamaModel model, Func<KvCache> reference, Func<KvCache> candidate, int firstToken, int? firstPosition, int steps)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);

        using var refCache = reference();
        using var candCache = candidate();
        var (refPosition, refSlot) = Start(refCache, firstPosition);
        var (candPosition, candSlot) = Start(candCache, firstPosition);

        // Slots and positions both run out (a compressed cache's positions run ahead of its slots).
        int n = Math.Min(steps, Math.Min(model.Config.SeqLen - refSlot, model.Config.SeqLen - candSlot));
        n = Math.Min(n, model.Config.PositionLimit - Math.Max(refPosition, candPosition));
        if (n < 1)
        {
            throw new ArgumentException("no room left in the caches to decode.", nameof(steps));
        }

        int vocab = model.Config.VocabSize;
        var p = new double[vocab];
        var q = new double[vocab];
        int agree = 0;
        double kl = 0, refNll = 0, candNll = 0;
        int token = firstToken;
        for (int i = 0; i < n; i++)
        {
            // The first token where the caller said; each later one after the entry the step before wrote.
            var refLogits = i == 0 ? model.ForwardAt(token, refPosition, refSlot, refCache) : model.ForwardAt(token, refCache.NextPosition, refCache.Length, refCache);
            int next = Sampler.ArgMax(refLogits);
            LogSoftmax(refLogits, p);
            var candLogits = i == 0 ? model.ForwardAt(token, candPosition, candSlot, candCache) : model.ForwardAt(token, candCache.NextPosition, candCache.Length, candCache);
            if (Sampler.ArgMax(candLogits) == next)
            {
                agree++;
            }

            LogSoftmax(candLogits, q);
            for (int v = 0; v < vocab; v++)
            {
                kl += Math.Exp(p[v]) * (p[v] - q[v]);
            }

            refNll -= p[next];
            candNll -= q[next];
            token = next;
        }

        int[] a = Greedy(model, reference, firstToken, firstPosition, n);
        int[] b = Greedy(model, candidate, firstToken, firstPosition, n);
        int matches = 0, prefix = 0;
        bool diverged = false;
        for (int i = 0; i < n; i++)
        {
            if (a[i] == b[i])
            {
                matches++;
                prefix += diverged ? 0 : 1;
            }
            else
            {
                diverged = true;
            }
        }

        return new ContinuationQuality(n, (double)agree / n, kl / n, Math.Exp(refNll / n), Math.Exp(candNll / n), (double)matches / n, prefix);
    }

    // Where a cache takes the first token: at the given position (the slot holding it, or the next free one past the last),
    // else after its last entry.
    private static (int Position, int Slot) Start(KvCache cache, int? firstPosition) =>
        firstPosition is { } p ? (p, cache.SlotFor(p)) : (cache.NextPosition, cache.Length);

    private static int[] Greedy(LlamaModel model, Func<KvCache> create, int token, int? firstPosition, int n)
    {
        using var cache = create();
        var (position, slot) = Start(cache, firstPosition);
        var tokens = new int[n];
        for (int i = 0; i < n; i++)
        {
            token = Sampler.ArgMax(model.ForwardAt(token, position + i, slot + i, cache));
            tokens[i] = token;
        }

        return tokens;
    }

    private static void LogSoftmax(ReadOnlySpan<float> logits, double[] result)
    {
        double max = double.NegativeInfinity;
        foreach (float x in logits)
        {
            max = Math.Max(max, x);
        }

        double sum = 0;
        foreach (float x in logits)
        {
            sum += Math.Exp(x - max);
        }

        double log = max + Math.Log(sum);
        for (int v = 0; v < logits.Length; v++)
        {
            result[v] = logits[v] - log;
        }
    }
}
