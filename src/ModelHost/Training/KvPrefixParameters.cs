namespace AgentMem.ModelHost.Training;

/// <summary>
/// A trainable KV prefix (a cartridge being trained): per layer <see cref="Length"/> keys and values that every sequence
/// position attends to before the sequence itself, keys stored after RoPE exactly as <see cref="KvCache"/> stores them, with the
/// positions they stand for. Also serves as a gradient buffer of the same shape (<see cref="CreateGradientBuffer"/>).
/// </summary>
public sealed class KvPrefixParameters
{
    private readonly int[] positions;
    private readonly float[][] tensors;

    /// <summary>A zero prefix of <paramref name="length"/> entries at positions 0 .. length-1.</summary>
    public KvPrefixParameters(LlamaConfig config, int length)
        : this(config, length, Enumerable.Range(0, length).ToArray())
    {
    }

    private KvPrefixParameters(LlamaConfig config, int length, int[] positions)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        Config = config;
        Set = new PrefixSet<float>(config, length);
        this.positions = positions;
        tensors = [.. Set.Keys, .. Set.Values];
    }

    /// <summary>The model shape the prefix fits.</summary>
    public LlamaConfig Config { get; }

    /// <summary>Number of entries P.</summary>
    public int Length => Set.Length;

    /// <summary>The RoPE position each entry's key was rotated with (metadata: the keys are stored rotated).</summary>
    public IReadOnlyList<int> Positions => positions;

    /// <summary>The position a sequence after this prefix continues from: one past the last entry's.</summary>
    public int NextPosition => positions[^1] + 1;

    /// <summary>Every layer's keys, then every layer's values: the order an optimiser and a gradient buffer agree on.</summary>
    public IReadOnlyList<float[]> Tensors => tensors;

    /// <summary>The float prefix as the training graph reads it.</summary>
    internal PrefixSet<float> Set { get; }

    /// <summary>Keys of <paramref name="layer"/>, [length × kvDim] row-major, after RoPE.</summary>
    public float[] Keys(int layer) => Set.Keys[layer];

    /// <summary>Values of <paramref name="layer"/>, [length × kvDim] row-major.</summary>
    public float[] Values(int layer) => Set.Values[layer];

    /// <summary>
    /// The first <paramref name="count"/> slots of <paramref name="cache"/> (keys, values and positions), copied: e.g. a prefill of
    /// real tokens as the starting point of training.
    /// </summary>
    public static KvPrefixParameters FromCache(KvCache cache, int count)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, cache.Length);
        var c = cache.Config;
        var p = new KvPrefixParameters(c, count, Enumerable.Range(0, count).Select(cache.PositionOf).ToArray());
        int width = count * c.KvDim;
        var keys = cache.Keys;
        var values = cache.Values;
        for (int l = 0; l < c.Layers; l++)
        {
            keys[l].AsSpan(0, width).CopyTo(p.Set.Keys[l]);
            values[l].AsSpan(0, width).CopyTo(p.Set.Values[l]);
        }

        return p;
    }

    /// <summary>
    /// Writes the prefix into <paramref name="cache"/> as its slots 0 .. Length-1 (replacing its contents), so
    /// <see cref="LlamaModel.ForwardAt"/> continues after it as the training graph did.
    /// </summary>
    public void WriteTo(KvCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        var c = cache.Config;
        if (c.Layers != Config.Layers || c.KvDim != Config.KvDim || c.SeqLen < Length)
        {
            throw new ArgumentException("The cache has another shape.", nameof(cache));
        }

        var keys = cache.Keys;
        var values = cache.Values;
        for (int l = 0; l < c.Layers; l++)
        {
            Set.Keys[l].CopyTo(keys[l], 0);
            Set.Values[l].CopyTo(values[l], 0);
        }

        cache.SetPositions(positions);
    }

    /// <summary>A zero prefix of the same shape and positions: what <see cref="LlamaTrainer"/> adds gradients into.</summary>
    public KvPrefixParameters CreateGradientBuffer() => new(Config, Length, (int[])positions.Clone());

    /// <summary>Sets every key and value to zero (between steps, for a gradient buffer).</summary>
    public void Clear()
    {
        foreach (var t in tensors)
        {
            Array.Clear(t);
        }
    }
}
