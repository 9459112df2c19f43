using System.Globalization;

namespace AgentMem.ModelHost;

/// <summary>
/// A low-rank adaptation (LoRA) of a LLaMA model: for each adapted projection W (a <see cref="LoraTarget"/>) of every layer, two
/// small row-major matrices A [rank × in] and B [out × rank], so that the adapted projection computes
/// W·x + <see cref="Scale"/>·B·(A·x) with Scale = alpha / rank. It is bound to the model it was trained on by that model's
/// fingerprint (<see cref="LlamaModel.GetFingerprint"/>), and carries its training recipe (<see cref="Metadata"/>) and the ids of
/// what it was trained from (<see cref="Sources"/>, opaque to the model host). Applied without merging through
/// <see cref="LlamaModel.WithAdapters"/>, or folded into the weights with <see cref="LlamaModel.Merge"/>; saved as an
/// <c>.amlora</c> file by <see cref="LoraAdapterFile"/>.
/// </summary>
/// <remarks>
/// The tensors are the adapter's own arrays (<see cref="GetA"/>, <see cref="GetB"/>) so a trainer can fill them in place. A model
/// that has the adapter attached or merged reads them as they were then: do not change them afterwards.
/// </remarks>
public sealed class LoraAdapter
{
    /// <summary>The largest rank accepted (well above any useful LoRA rank; it bounds what a corrupt file can make us allocate).</summary>
    public const int MaxRank = 4096;

    /// <summary>Bytes of a model fingerprint.</summary>
    public const int FingerprintBytes = 32;

    /// <summary>
    /// The largest magnitude an A or B value, and the scale alpha / rank, may have (10,000). An entry of the update scale·B·A is
    /// then at most scale × rank × max|B| × max|A| ≈ 4·10¹⁵, which neither overflows float32 (3.4·10³⁸) when attached nor
    /// when folded into the weights; a finite 1e38 passed every NaN check and made every logit NaN. Trained adapters hold
    /// values far below it (LoRA starts from B = 0 and A within ±1/√in).
    /// </summary>
    public const float MaxMagnitude = 10_000f;

    /// <summary>
    /// Why a non-finite value is refused wherever one can enter: attached, it makes every logit NaN (and greedy decoding then
    /// picks token 0 without a word); merged, it writes NaN into the weights every view shares, which unmerging cannot take out.
    /// </summary>
    internal const string NonFinite = "holds NaN or an infinity: such an adapter makes every logit NaN, and merged it leaves NaN in the model's weights for good (a diverged training run?).";

    private readonly float[][] a;
    private readonly float[][] b;
    private readonly byte[] baseFingerprint;
    private readonly LoraTarget[] targets;
    private readonly int[] slot = [.. Enumerable.Repeat(-1, 7)];

    /// <summary>
    /// An adapter of the given shape with A and B all zeros (so it changes nothing until trained or filled): for models of
    /// <paramref name="layers"/> layers, width <paramref name="dim"/>, key/value width <paramref name="kvDim"/> and feed-forward
    /// width <paramref name="hiddenDim"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A size is not positive, the rank is above <see cref="MaxRank"/>, alpha is not a
    /// positive finite number or alpha / rank is above <see cref="MaxMagnitude"/>, the targets are empty or repeated, or the
    /// fingerprint is not 32 bytes.</exception>
    public LoraAdapter(
        int layers,
        int dim,
        int kvDim,
        int hiddenDim,
        int rank,
        float alpha,
        IEnumerable<LoraTarget> targets,
        ReadOnlySpan<byte> baseFingerprint,
        IReadOnlyDictionary<string, string>? metadata = null,
        IEnumerable<string>? sources = null)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kvDim);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hiddenDim);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rank, MaxRank);
        if (!float.IsFinite(alpha) || alpha <= 0)
        {
            // Zero does nothing and a negative alpha turns the update round; training refuses both, so must a loaded file.
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be a positive finite number.");
        }

        if (alpha / rank > MaxMagnitude)
        {
            // The scale multiplies every update: with alpha 1e38 no value of A or B was small enough not to overflow.
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, string.Create(CultureInfo.InvariantCulture, $"alpha / rank (the update's scale) must be at most {MaxMagnitude}; got {alpha} / {rank}."));
        }

        if (baseFingerprint.Length != FingerprintBytes)
        {
            throw new ArgumentException($"a model fingerprint is {FingerprintBytes} bytes; {baseFingerprint.Length} given.", nameof(baseFingerprint));
        }

        var list = targets.ToList();
        if (list.Count == 0 || list.Distinct().Count() != list.Count || list.Any(t => !Enum.IsDefined(t)))
        {
            throw new ArgumentException("targets must be one or more distinct LoraTarget values.", nameof(targets));
        }

        (Layers, Dim, KvDim, HiddenDim, Rank, Alpha) = (layers, dim, kvDim, hiddenDim, rank, alpha);
        this.targets = [.. list.Order()];
        this.baseFingerprint = baseFingerprint.ToArray();
        var meta = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
        {
            ArgumentException.ThrowIfNullOrEmpty(key, nameof(metadata));
            ArgumentNullException.ThrowIfNull(value, nameof(metadata));
            meta[key] = value;
        }

        Metadata = meta;
        var src = (sources ?? []).ToList();
        if (src.Any(s => s is null))
        {
            throw new ArgumentException("a source id is null.", nameof(sources));
        }

        Sources = src;
        a = new float[this.targets.Length * layers][];
        b = new float[this.targets.Length * layers][];
        for (int i = 0; i < this.targets.Length; i++)
        {
            var t = this.targets[i];
            slot[(int)t] = i;
            for (int l = 0; l < layers; l++)
            {
                a[(i * layers) + l] = new float[(long)rank * InputSize(t) <= int.MaxValue ? rank * InputSize(t) : throw new ArgumentException("A is too large.", nameof(rank))];
                b[(i * layers) + l] = new float[(long)OutputSize(t) * rank <= int.MaxValue ? OutputSize(t) * rank : throw new ArgumentException("B is too large.", nameof(rank))];
            }
        }
    }

    /// <summary>Number of transformer layers (every adapted target has an A and a B per layer).</summary>
    public int Layers { get; }

    /// <summary>The model's width.</summary>
    public int Dim { get; }

    /// <summary>The model's key/value width (kv heads × head size).</summary>
    public int KvDim { get; }

    /// <summary>The model's feed-forward width.</summary>
    public int HiddenDim { get; }

    /// <summary>Rank r: A has r rows and B r columns.</summary>
    public int Rank { get; }

    /// <summary>LoRA's alpha; the update is scaled by alpha / rank.</summary>
    public float Alpha { get; }

    /// <summary>alpha / rank: what B·A is multiplied by.</summary>
    public float Scale => Alpha / Rank;

    /// <summary>The adapted projections, in <see cref="LoraTarget"/> order.</summary>
    public IReadOnlyList<LoraTarget> Targets => targets;

    /// <summary>Fingerprint of the model the adapter was trained on (<see cref="LlamaModel.GetFingerprint"/>).</summary>
    public ReadOnlySpan<byte> BaseFingerprint => baseFingerprint;

    /// <summary>The training recipe and other notes (learning rate, steps, data…), by key in ordinal order.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>What the adapter was trained from, as opaque ids (e.g. memory id @ version); the model host does not read them.</summary>
    public IReadOnlyList<string> Sources { get; }

    /// <summary>Where the adapter came from, for error messages (a file path once loaded).</summary>
    internal string Origin { get; init; } = "LoRA adapter";

    /// <summary>Convenience: a zero adapter shaped for <paramref name="model"/> and bound to its fingerprint.</summary>
    public static LoraAdapter Create(LlamaModel model, int rank, float alpha, IEnumerable<LoraTarget> targets, IReadOnlyDictionary<string, string>? metadata = null, IEnumerable<string>? sources = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var c = model.Config;
        return new LoraAdapter(c.Layers, c.Dim, c.KvDim, c.HiddenDim, rank, alpha, targets, model.AdapterFingerprint(), metadata, sources);
    }

    /// <summary>
    /// A copy with <paramref name="sources"/> as its source ids (the same shape, fingerprint, metadata and tensor values, in arrays
    /// of its own): how a host records what an already trained adapter was trained from.
    /// </summary>
    public LoraAdapter WithSources(IEnumerable<string> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var copy = new LoraAdapter(Layers, Dim, KvDim, HiddenDim, Rank, Alpha, targets, baseFingerprint, Metadata, sources) { Origin = Origin };
        for (int i = 0; i < a.Length; i++)
        {
            a[i].CopyTo(copy.a[i], 0);
            b[i].CopyTo(copy.b[i], 0);
        }

        return copy;
    }

    /// <summary>True when the adapter has an A and a B for <paramref name="target"/>.</summary>
    public bool Adapts(LoraTarget target) => (uint)target < 7 && slot[(int)target] >= 0;

    /// <summary>Width of what <paramref name="target"/> multiplies (A's columns).</summary>
    public int InputSize(LoraTarget target) => target == LoraTarget.W2 ? HiddenDim : Dim;

    /// <summary>Width of what <paramref name="target"/> produces (B's rows).</summary>
    public int OutputSize(LoraTarget target) => target switch
    {
        LoraTarget.K or LoraTarget.V => KvDim,
        LoraTarget.W1 or LoraTarget.W3 => HiddenDim,
        _ => Dim,
    };

    /// <summary>A of <paramref name="target"/> in <paramref name="layer"/>: [rank × in] row-major, the adapter's own array.</summary>
    /// <exception cref="ArgumentException">The adapter does not adapt <paramref name="target"/>, or the layer is out of range.</exception>
    public float[] GetA(LoraTarget target, int layer) => a[Index(target, layer)];

    /// <summary>B of <paramref name="target"/> in <paramref name="layer"/>: [out × rank] row-major, the adapter's own array.</summary>
    /// <exception cref="ArgumentException">The adapter does not adapt <paramref name="target"/>, or the layer is out of range.</exception>
    public float[] GetB(LoraTarget target, int layer) => b[Index(target, layer)];

    /// <summary>Copies A ([rank × in]) and B ([out × rank]) of <paramref name="target"/> in <paramref name="layer"/> into the adapter.</summary>
    /// <exception cref="ArgumentException">Unknown target or layer, a matrix of the wrong size, or a value that is NaN, infinite
    /// or beyond ±<see cref="MaxMagnitude"/> (nothing is copied).</exception>
    public void SetWeights(LoraTarget target, int layer, ReadOnlySpan<float> aValues, ReadOnlySpan<float> bValues)
    {
        int i = Index(target, layer);
        if (aValues.Length != a[i].Length || bValues.Length != b[i].Length)
        {
            throw new ArgumentException($"{target} in layer {layer} needs A of {Rank}×{InputSize(target)} = {a[i].Length} and B of {OutputSize(target)}×{Rank} = {b[i].Length} values; got {aValues.Length} and {bValues.Length}.");
        }

        // Checked before anything is copied, so a refused call leaves the adapter as it was.
        if (Unusable(aValues) is { } badA)
        {
            throw new ArgumentException($"A of {target} in layer {layer} {badA}", nameof(aValues));
        }

        if (Unusable(bValues) is { } badB)
        {
            throw new ArgumentException($"B of {target} in layer {layer} {badB}", nameof(bValues));
        }

        aValues.CopyTo(a[i]);
        bValues.CopyTo(b[i]);
    }

    /// <summary>
    /// SHA-256 of the adapter's content (shape, rank, alpha, targets, base fingerprint, A and B; not the metadata or sources):
    /// two adapters with the same id change a model the same way. Hashes every tensor, so it costs a pass over the adapter.
    /// </summary>
    public byte[] ComputeId()
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(baseFingerprint);
        Span<int> shape = [Layers, Dim, KvDim, HiddenDim, Rank, BitConverter.SingleToInt32Bits(Alpha), TargetMask];
        sha.AppendData(MemoryMarshal.AsBytes(shape));
        for (int i = 0; i < a.Length; i++)
        {
            sha.AppendData(MemoryMarshal.AsBytes(a[i].AsSpan()));
            sha.AppendData(MemoryMarshal.AsBytes(b[i].AsSpan()));
        }

        return sha.GetHashAndReset();
    }

    /// <summary>Throws unless the adapter was trained on <paramref name="model"/> (its fingerprint) and fits its shape.</summary>
    /// <exception cref="ModelFormatException">The adapter belongs to another model or shape.</exception>
    public void EnsureFits(LlamaModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var c = model.Config;
        if (Layers != c.Layers || Dim != c.Dim || KvDim != c.KvDim || HiddenDim != c.HiddenDim)
        {
            throw new ModelFormatException($"{Origin}: LoRA adapter shape (layers {Layers}, dim {Dim}, kv dim {KvDim}, hidden {HiddenDim}) does not fit the model (layers {c.Layers}, dim {c.Dim}, kv dim {c.KvDim}, hidden {c.HiddenDim}).");
        }

        if (!model.AcceptsAdapterFingerprint(baseFingerprint))
        {
            throw new ModelFormatException($"{Origin}: LoRA adapter was trained on another model (fingerprint {Convert.ToHexStringLower(baseFingerprint)[..16]}…, this model {Convert.ToHexStringLower(model.AdapterFingerprint())[..16]}…).");
        }
    }

    /// <summary>
    /// The first A or B that holds NaN, an infinity or a value beyond ±<see cref="MaxMagnitude"/>, named with the problem, as
    /// "B of Q in layer 3 holds 1E+38, beyond …", or null when every value is usable. The tensors are the adapter's own
    /// arrays, filled in place by trainers, so what <see cref="SetWeights"/> checks can still be broken afterwards: the file
    /// and the model check again (one pass over the adapter, as saving or hashing it is).
    /// </summary>
    internal string? FindUnusable()
    {
        for (int i = 0; i < a.Length; i++)
        {
            var (matrix, why) = Unusable(a[i]) is { } badA ? ("A", badA) : Unusable(b[i]) is { } badB ? ("B", badB) : (null, null);
            if (matrix is not null)
            {
                return $"{matrix} of {targets[i / Layers]} in layer {i % Layers} {why}";
            }
        }

        return null;
    }

    /// <summary>Throws unless every value of every A and B is finite and within ±<see cref="MaxMagnitude"/> (see there for why).</summary>
    /// <exception cref="ArgumentException">A value is NaN, infinite or too large; the message names the matrix, target and layer.</exception>
    internal void EnsureUsable(string paramName)
    {
        if (FindUnusable() is { } where)
        {
            throw new ArgumentException($"{Origin}: {where}", paramName);
        }
    }

    /// <summary>
    /// What is wrong with <paramref name="values"/> as an A or B, after the words naming the matrix ("holds NaN or an infinity:
    /// …", "holds 1E+38, beyond …"), or null when every value is finite and within ±<see cref="MaxMagnitude"/>.
    /// </summary>
    internal static string? Unusable(ReadOnlySpan<float> values)
    {
        // One pass for the common case: the largest magnitude is NaN when any value is, and NaN fails the comparison.
        if (values.IsEmpty || MathF.Abs(TensorPrimitives.MaxMagnitude(values)) <= MaxMagnitude)
        {
            return null;
        }

        if (!TensorPrimitives.IsFiniteAll(values))
        {
            return NonFinite;
        }

        float largest = values[TensorPrimitives.IndexOfMaxMagnitude(values)];
        return string.Create(CultureInfo.InvariantCulture, $"holds {largest}, beyond the ±{MaxMagnitude} an adapter value may reach (LoraAdapter.MaxMagnitude): its update scale·B·A could overflow to an infinity, which makes every logit NaN and, merged, leaves the weights unrecoverable (a diverged training run?).");
    }

    /// <summary>Bit i set when the adapter adapts target i (the file's target mask).</summary>
    internal int TargetMask => targets.Aggregate(0, (m, t) => m | (1 << (int)t));

    /// <summary>Every A and B in file order: targets in enum order, layers in order, A then B.</summary>
    internal IEnumerable<float[]> Tensors()
    {
        for (int i = 0; i < a.Length; i++)
        {
            yield return a[i];
            yield return b[i];
        }
    }

    private int Index(LoraTarget target, int layer)
    {
        if (!Adapts(target))
        {
            throw new ArgumentException($"the adapter does not adapt {target} (it adapts {string.Join(", ", targets)}).", nameof(target));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(layer, Layers);
        return (slot[(int)target] * Layers) + layer;
    }
}
