namespace AgentMem.ModelHost;

/// <summary>
/// Picks the next token from logits like llama2.c: argmax at temperature 0, otherwise softmax(logits / T) then
/// nucleus (top-p) or plain multinomial sampling, with llama2.c's xorshift generator so a seed reproduces its samples.
/// An optional top-k (not in llama2.c) first keeps only the k most likely tokens, renormalised, as Hugging Face's does.
/// </summary>
public sealed class Sampler
{
    private readonly float[] probs;
    private readonly (float Prob, int Index)[] candidates;
    private readonly PriorityQueue<float, float>? best; // the k largest probabilities so far, smallest on top (top-k only)
    private ulong state;

    /// <summary>Creates a sampler for a vocabulary of <paramref name="vocabSize"/> tokens.</summary>
    /// <param name="vocabSize">Number of logits per step.</param>
    /// <param name="temperature">0 for greedy; higher is more random.</param>
    /// <param name="topP">
    /// Nucleus mass in (0, 1); 0 or ≥ 1 samples from the whole distribution (llama2.c's rule, which the CLI's <c>--topp</c>
    /// keeps: 0 means "no nucleus", not the narrowest one; <see cref="LocalChatClient"/> maps a <c>TopP</c> of 0 to greedy instead).
    /// </param>
    /// <param name="seed">Random seed (non-zero; xorshift stays at zero forever).</param>
    /// <param name="topK">
    /// Keep only the <paramref name="topK"/> most likely tokens (and any tied with the last of them) before top-p and the draw;
    /// 1 is greedy; 0, the default, or the vocabulary size and above keep them all (llama2.c has no top-k).
    /// </param>
    public Sampler(int vocabSize, float temperature = 0f, float topP = 0.9f, ulong seed = 42, int topK = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabSize);
        ArgumentOutOfRangeException.ThrowIfNegative(topK);
        if (!(temperature >= 0f) || float.IsInfinity(temperature))
        {
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be a finite number, 0 or more.");
        }

        if (!(topP >= 0f))
        {
            throw new ArgumentOutOfRangeException(nameof(topP), topP, "top-p must be a number, 0 or more (0 or 1 and above: the whole distribution).");
        }

        ArgumentOutOfRangeException.ThrowIfZero(seed);
        Temperature = temperature;
        TopP = topP;
        TopK = topK >= vocabSize ? 0 : topK; // every token is among the k best: no limit
        state = seed;
        probs = new float[vocabSize];
        candidates = new (float, int)[vocabSize];
        best = TopK > 1 ? new PriorityQueue<float, float>(TopK) : null;
    }

    /// <summary>The sampling temperature.</summary>
    public float Temperature { get; }

    /// <summary>The nucleus mass (0 or ≥ 1: none, the whole distribution is sampled).</summary>
    public float TopP { get; }

    /// <summary>How many of the most likely tokens are kept before sampling (0: all; 1: greedy).</summary>
    public int TopK { get; }

    /// <summary>Index of the largest value (the first on ties, as llama2.c).</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>Chooses the next token from <paramref name="logits"/>.</summary>
    public int Sample(ReadOnlySpan<float> logits)
    {
        if (logits.Length != probs.Length)
        {
            throw new ArgumentException($"expected {probs.Length} logits, got {logits.Length}.", nameof(logits));
        }

        if (Temperature == 0f || TopK == 1)
        {
            return ArgMax(logits);
        }

        var p = probs.AsSpan();
        System.Numerics.Tensors.TensorPrimitives.Divide(logits, Temperature, p);
        if (!float.IsFinite(System.Numerics.Tensors.TensorPrimitives.Max(p)))
        {
            // A temperature so small that logits / T overflows: the softmax would be NaN everywhere (and pick token 0);
            // its limit as T goes to 0 is the greedy choice.
            return ArgMax(logits);
        }

        Kernels.Softmax(p);
        if (TopK > 1)
        {
            KeepTopK(p);
        }

        float coin = NextFloat();
        return TopP <= 0f || TopP >= 1f ? SampleMultinomial(p, coin) : SampleTopP(p, coin);
    }

    // Zeroes every probability below the k-th largest and renormalises the rest (ties with the k-th stay, as Hugging Face's
    // top-k keeps them), so top-p and the draw see only the k best. A heap of the k largest: O(V log k), no sort of V.
    private void KeepTopK(Span<float> p)
    {
        var heap = best!;
        heap.Clear();
        foreach (float x in p)
        {
            if (heap.Count < TopK)
            {
                heap.Enqueue(x, x);
            }
            else if (x > heap.Peek())
            {
                heap.DequeueEnqueue(x, x);
            }
        }

        float kth = heap.Peek();
        float kept = 0f;
        for (int i = 0; i < p.Length; i++)
        {
            if (p[i] < kth)
            {
                p[i] = 0f;
            }
            else
            {
                kept += p[i];
            }
        }

        System.Numerics.Tensors.TensorPrimitives.Divide(p, kept, p);
    }

    private static int SampleMultinomial(ReadOnlySpan<float> p, float coin)
    {
        float cdf = 0f;
        for (int i = 0; i < p.Length; i++)
        {
            cdf += p[i];
            if (coin < cdf)
            {
                return i;
            }
        }

        // The float running total can stop short of 1 (tiny probabilities are lost when added to a large one), so a coin in
        // that gap lands here: it goes to the last token that can be drawn, never to a trailing one of probability 0.
        for (int i = p.Length - 1; i > 0; i--)
        {
            if (p[i] > 0f)
            {
                return i;
            }
        }

        return 0;
    }

    private int SampleTopP(ReadOnlySpan<float> p, float coin)
    {
        // Tokens below this cannot be in the nucleus (llama2.c's cut to shorten the sort).
        float cutoff = (1f - TopP) / (p.Length - 1);
        int n = 0;
        for (int i = 0; i < p.Length; i++)
        {
            if (p[i] >= cutoff)
            {
                candidates[n++] = (p[i], i);
            }
        }

        // Nothing reaches the cut only when top-p is below the most likely token's probability (the cut exceeds it only if
        // top-p < 1/V ≤ p_max): the nucleus is then that token alone.
        if (n == 0)
        {
            return ArgMax(p);
        }

        var c = candidates.AsSpan(0, n);
        c.Sort(static (a, b) => b.Prob.CompareTo(a.Prob));
        float cumulative = 0f;
        int last = n - 1;
        for (int i = 0; i < n; i++)
        {
            cumulative += c[i].Prob;
            if (cumulative > TopP)
            {
                last = i;
                break;
            }
        }

        float r = coin * cumulative;
        float cdf = 0f;
        for (int i = 0; i <= last; i++)
        {
            cdf += c[i].Prob;
            if (r < cdf)
            {
                return c[i].Index;
            }
        }

        return c[last].Index;
    }

    // xorshift* as in llama2.c, so equal seeds give equal samples.
    private uint NextUInt()
    {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        return (uint)((state * 0x2545F4914F6CDD1DUL) >> 32);
    }

    private float NextFloat() => (NextUInt() >> 8) / 16777216.0f;
}
