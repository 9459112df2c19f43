namespace AgentMem.ModelHost.Training;

/// <summary>
/// Trainable LoRA pairs for chosen projections of every layer: for (layer, target), y = W·x + (alpha/rank)·B·(A·x) with
/// A [rank × in] and B [out × rank], plain row-major float arrays (the layout an adapter file stores). Also serves as a
/// gradient buffer of the same shape (<see cref="CreateGradientBuffer"/>).
/// </summary>
public sealed class LoraParameters
{
    private readonly List<float[]> tensors = [];

    private LoraParameters(LlamaConfig config, int rank, float alpha, LoraTarget[] targets, int[] layers)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rank);
        if (!float.IsFinite(alpha) || alpha <= 0f)
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be positive.");
        }

        Config = config;
        Rank = rank;
        Alpha = alpha;
        Targets = targets;
        Layers = layers;
        Set = new LoraSet<float>(config, rank, alpha / rank);
        foreach (int l in layers)
        {
            foreach (var target in targets)
            {
                Set.Add(l, target);
                tensors.Add(Set.A(l, target)!);
                tensors.Add(Set.B(l, target)!);
            }
        }
    }

    /// <summary>The model shape the pairs fit.</summary>
    public LlamaConfig Config { get; }

    /// <summary>Inner dimension r of every pair.</summary>
    public int Rank { get; }

    /// <summary>LoRA alpha; the update is scaled by <see cref="Scale"/> = alpha / rank.</summary>
    public float Alpha { get; }

    /// <summary>alpha / rank.</summary>
    public float Scale => Alpha / Rank;

    /// <summary>The adapted projections (the same in every adapted layer), in the order given.</summary>
    public IReadOnlyList<LoraTarget> Targets { get; }

    /// <summary>The adapted layers, ascending (all of them unless chosen at creation).</summary>
    public IReadOnlyList<int> Layers { get; }

    /// <summary>
    /// Every A and B, adapted layer by layer, target by target, A before B: the order an optimiser and a gradient buffer of the
    /// same shape agree on.
    /// </summary>
    public IReadOnlyList<float[]> Tensors => tensors;

    /// <summary>The float pairs as the training graph reads them.</summary>
    internal LoraSet<float> Set { get; }

    /// <summary>
    /// New pairs on <paramref name="targets"/> of every layer (or of <paramref name="layers"/>), initialised as LoRA prescribes so
    /// training starts from the base model: B = 0, A uniform in ±1/√in (Kaiming-uniform with a = √5, what PEFT uses), from a
    /// <paramref name="seed"/>ed stream.
    /// </summary>
    /// <exception cref="ArgumentException">No target or layer, one given twice, or a layer the model lacks.</exception>
    public static LoraParameters Create(LlamaConfig config, int rank, float alpha, IEnumerable<LoraTarget> targets, int seed, IEnumerable<int>? layers = null)
    {
        var p = Zeros(config, rank, alpha, targets, layers);
        var random = new Random(seed);
        foreach (var (layer, target) in p.Pairs())
        {
            var a = p.A(layer, target);
            float bound = 1f / MathF.Sqrt(InputSize(config, target));
            for (int i = 0; i < a.Length; i++)
            {
                a[i] = (float)(((random.NextDouble() * 2) - 1) * bound);
            }
        }

        return p;
    }

    /// <summary>New pairs with A = B = 0 (a gradient buffer, or parameters to be filled by the caller); layers as <see cref="Create"/>.</summary>
    /// <exception cref="ArgumentException">No target or layer, one given twice, or a layer the model lacks.</exception>
    public static LoraParameters Zeros(LlamaConfig config, int rank, float alpha, IEnumerable<LoraTarget> targets, IEnumerable<int>? layers = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(targets);
        LoraTarget[] list = [.. targets];
        if (list.Length == 0 || list.Distinct().Count() != list.Length)
        {
            throw new ArgumentException("give each target once, and at least one.", nameof(targets));
        }

        int[] chosen = layers is null ? [.. Enumerable.Range(0, config.Layers)] : [.. layers.Order()];
        if (chosen.Length == 0 || chosen.Distinct().Count() != chosen.Length || chosen[0] < 0 || chosen[^1] >= config.Layers)
        {
            throw new ArgumentException($"give each layer once, at least one, all below {config.Layers}.", nameof(layers));
        }

        return new LoraParameters(config, rank, alpha, list, chosen);
    }

    /// <summary>Zeroed pairs of the same shape, rank, alpha, targets and layers: what <see cref="LlamaTrainer"/> adds gradients into.</summary>
    public LoraParameters CreateGradientBuffer() => new(Config, Rank, Alpha, [.. Targets], [.. Layers]);

    /// <summary>Sets every value to zero (between steps, for a gradient buffer).</summary>
    public void Clear()
    {
        foreach (var t in tensors)
        {
            Array.Clear(t);
        }
    }

    /// <summary>A [rank × in] of (layer, target), row-major.</summary>
    /// <exception cref="KeyNotFoundException">That projection is not adapted.</exception>
    public float[] A(int layer, LoraTarget target) => Set.A(layer, target) ?? throw new KeyNotFoundException($"no LoRA pair on {target} of layer {layer}.");

    /// <summary>B [out × rank] of (layer, target), row-major.</summary>
    /// <exception cref="KeyNotFoundException">That projection is not adapted.</exception>
    public float[] B(int layer, LoraTarget target) => Set.B(layer, target) ?? throw new KeyNotFoundException($"no LoRA pair on {target} of layer {layer}.");

    /// <summary>Input width of <paramref name="target"/>'s base matrix (columns of A).</summary>
    public static int InputSize(LlamaConfig config, LoraTarget target)
    {
        ArgumentNullException.ThrowIfNull(config);
        return LoraSet<float>.Shape(config, target).Cols;
    }

    /// <summary>Output width of <paramref name="target"/>'s base matrix (rows of B).</summary>
    public static int OutputSize(LlamaConfig config, LoraTarget target)
    {
        ArgumentNullException.ThrowIfNull(config);
        return LoraSet<float>.Shape(config, target).Rows;
    }

    /// <summary>
    /// The pairs as a <see cref="LoraAdapter"/> (copied, so further training does not change it) bound to
    /// <paramref name="baseFingerprint"/> (<see cref="LlamaModel.GetFingerprint"/> of the model trained on). An adapter has every
    /// layer, so layers not adapted here get A = B = 0, which changes nothing.
    /// </summary>
    public LoraAdapter ToAdapter(ReadOnlySpan<byte> baseFingerprint, IReadOnlyDictionary<string, string>? metadata = null, IEnumerable<string>? sources = null)
    {
        var adapter = new LoraAdapter(Config.Layers, Config.Dim, Config.KvDim, Config.HiddenDim, Rank, Alpha, Targets, baseFingerprint, metadata, sources);
        foreach (var (layer, target) in Pairs())
        {
            adapter.SetWeights(target, layer, A(layer, target), B(layer, target));
        }

        return adapter;
    }

    /// <summary>
    /// Pairs holding a copy of <paramref name="adapter"/>'s weights on every layer (to go on training it, or to compare with it),
    /// for a model of <paramref name="config"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The adapter's shape is not <paramref name="config"/>'s.</exception>
    public static LoraParameters FromAdapter(LlamaConfig config, LoraAdapter adapter)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(adapter);
        if (adapter.Layers != config.Layers || adapter.Dim != config.Dim || adapter.KvDim != config.KvDim || adapter.HiddenDim != config.HiddenDim)
        {
            throw new ArgumentException($"the adapter (layers {adapter.Layers}, dim {adapter.Dim}, kv dim {adapter.KvDim}, hidden {adapter.HiddenDim}) does not fit the model (layers {config.Layers}, dim {config.Dim}, kv dim {config.KvDim}, hidden {config.HiddenDim}).", nameof(adapter));
        }

        var p = Zeros(config, adapter.Rank, adapter.Alpha, adapter.Targets);
        foreach (var (layer, target) in p.Pairs())
        {
            adapter.GetA(target, layer).CopyTo(p.A(layer, target), 0);
            adapter.GetB(target, layer).CopyTo(p.B(layer, target), 0);
        }

        return p;
    }

    /// <summary>True when the shapes, rank and targets are those of <paramref name="other"/> (a gradient buffer for it).</summary>
    internal bool SameShape(LoraParameters other) =>
        other.Config.Layers == Config.Layers && other.Config.Dim == Config.Dim && other.Config.KvDim == Config.KvDim
        && other.Config.HiddenDim == Config.HiddenDim && other.Rank == Rank && other.Targets.SequenceEqual(Targets) && other.Layers.SequenceEqual(Layers);

    private IEnumerable<(int Layer, LoraTarget Target)> Pairs()
    {
        foreach (int l in Layers)
        {
            foreach (var target in Targets)
            {
                yield return (l, target);
            }
        }
    }
}
