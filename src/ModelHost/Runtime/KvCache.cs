namespace AgentMem.ModelHost;

/// <summary>
/// Keys and values of one sequence, per layer [seqLen × kvDim] (keys after RoPE), plus the scratch buffers of the forward pass.
/// One cache is one conversation: not thread-safe, and reusable across models only of the same shape.
/// </summary>
public sealed class KvCache
{
    /// <summary>Allocates an empty cache for <paramref name="config"/>.</summary>
    public KvCache(LlamaConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        Keys = new float[config.Layers][];
        Values = new float[config.Layers][];
        for (int l = 0; l < config.Layers; l++)
        {
            Keys[l] = new float[config.SeqLen * config.KvDim];
            Values[l] = new float[config.SeqLen * config.KvDim];
        }

        X = new float[config.Dim];
        Xb = new float[config.Dim];
        Xb2 = new float[config.Dim];
        Q = new float[config.Dim];
        Hb = new float[config.HiddenDim];
        Hb2 = new float[config.HiddenDim];
        Hb3 = new float[config.HiddenDim];
        Att = new float[config.SeqLen];
        slotPositions = new int[config.SeqLen];
        Logits = new float[config.VocabSize];
    }

    /// <summary>The shape this cache was made for.</summary>
    public LlamaConfig Config { get; }

    /// <summary>Number of leading slots whose keys and values are filled.</summary>
    public int Length { get; internal set; }

    /// <summary>The RoPE position the key in <paramref name="slot"/> was rotated with (equal to the slot unless the cache was compressed or composed).</summary>
    public int PositionOf(int slot)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slot, Length);
        return slotPositions[slot];
    }

    /// <summary>The position the next token continues from: one past the last filled slot's position (0 when empty).</summary>
    public int NextPosition => Length == 0 ? 0 : slotPositions[Length - 1] + 1;

    /// <summary>Keys of layer <paramref name="layer"/> at <paramref name="position"/> (kvDim floats).</summary>
    public Span<float> Key(int layer, int position) => Keys[layer].AsSpan(position * Config.KvDim, Config.KvDim);

    /// <summary>Values of layer <paramref name="layer"/> at <paramref name="position"/> (kvDim floats).</summary>
    public Span<float> Value(int layer, int position) => Values[layer].AsSpan(position * Config.KvDim, Config.KvDim);

    /// <summary>Forgets every position (the buffers are overwritten as positions are filled again).</summary>
    public void Clear() => Length = 0;

    /// <summary>Marks <paramref name="slot"/> as the last filled slot, holding position <paramref name="position"/>.</summary>
    internal void SetFilled(int slot, int position)
    {
        slotPositions[slot] = position;
        Length = slot + 1;
    }

    /// <summary>
    /// Keeps only <paramref name="keptSlots"/> (strictly increasing filled slots), moved to the front in order: slot i of the result
    /// holds what slot keptSlots[i] held, with the same RoPE position, so decoding continues with
    /// <see cref="LlamaModel.ForwardAt"/>(token, <see cref="NextPosition"/>, <see cref="Length"/>). Used by cache compression.
    /// </summary>
    /// <exception cref="ArgumentException">The slots are not strictly increasing or not all filled.</exception>
    public void Compact(ReadOnlySpan<int> keptSlots)
    {
        for (int i = 0; i < keptSlots.Length; i++)
        {
            if (keptSlots[i] < 0 || keptSlots[i] >= Length || (i > 0 && keptSlots[i] <= keptSlots[i - 1]))
            {
                throw new ArgumentException($"kept slots must be strictly increasing and below the filled length {Length}; [{i}] is {keptSlots[i]}.", nameof(keptSlots));
            }
        }

        int kvDim = Config.KvDim;
        for (int l = 0; l < Config.Layers; l++)
        {
            // Destinations never run ahead of sources (keptSlots[i] >= i), so copying front to back in place is safe.
            for (int i = 0; i < keptSlots.Length; i++)
            {
                if (keptSlots[i] != i)
                {
                    Keys[l].AsSpan(keptSlots[i] * kvDim, kvDim).CopyTo(Keys[l].AsSpan(i * kvDim, kvDim));
                    Values[l].AsSpan(keptSlots[i] * kvDim, kvDim).CopyTo(Values[l].AsSpan(i * kvDim, kvDim));
                }
            }
        }

        for (int i = 0; i < keptSlots.Length; i++)
        {
            slotPositions[i] = slotPositions[keptSlots[i]];
        }

        Length = keptSlots.Length;
    }

    /// <summary>Copies the filled slots (keys, values and positions) into <paramref name="destination"/>, replacing its contents.</summary>
    public void CopyTo(KvCache destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (destination.Config.Layers != Config.Layers || destination.Config.KvDim != Config.KvDim || destination.Config.SeqLen < Length)
        {
            throw new ArgumentException("The destination cache has another shape.", nameof(destination));
        }

        int n = Length * Config.KvDim;
        for (int l = 0; l < Config.Layers; l++)
        {
            Keys[l].AsSpan(0, n).CopyTo(destination.Keys[l]);
            Values[l].AsSpan(0, n).CopyTo(destination.Values[l]);
        }

        destination.SetPositions(slotPositions.AsSpan(0, Length));
    }

    /// <summary>Declares slots 0 .. positions.Length-1 filled (their keys and values already written) with these RoPE positions.</summary>
    internal void SetPositions(ReadOnlySpan<int> positions)
    {
        positions.CopyTo(slotPositions);
        Length = positions.Length;
    }

    private readonly int[] slotPositions;

    internal float[][] Keys { get; }

    internal float[][] Values { get; }

    // Scratch of the forward pass; kept here so decoding allocates nothing per token.
    internal float[] X { get; }

    internal float[] Xb { get; }

    internal float[] Xb2 { get; }

    internal float[] Q { get; }

    internal float[] Hb { get; }

    internal float[] Hb2 { get; }

    internal float[] Hb3 { get; }

    internal float[] Att { get; }

    internal float[] Logits { get; }
}
