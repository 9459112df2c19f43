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
