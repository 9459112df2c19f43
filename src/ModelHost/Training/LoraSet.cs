using System.Numerics;

namespace AgentMem.ModelHost.Training;

/// <summary>
/// LoRA pairs in precision <typeparamref name="T"/>, indexed by (layer, target): what the training graph reads and, for a
/// gradient set, adds into. <see cref="LoraParameters"/> is the public float face of one.
/// </summary>
internal sealed class LoraSet<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Number of <see cref="LoraTarget"/> values.</summary>
    public const int TargetCount = 7;

    private readonly T[]?[] a;
    private readonly T[]?[] b;

    public LoraSet(LlamaConfig config, int rank, T scale)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rank);
        Config = config;
        Rank = rank;
        Scale = scale;
        a = new T[]?[config.Layers * TargetCount];
        b = new T[]?[config.Layers * TargetCount];
    }

    public LlamaConfig Config { get; }

    public int Rank { get; }

    /// <summary>alpha / rank: the factor on B·(A·x).</summary>
    public T Scale { get; }

    /// <summary>Adds a zero pair for (layer, target) if absent.</summary>
    public void Add(int layer, LoraTarget target)
    {
        int i = Index(layer, target);
        var (rows, cols) = Shape(Config, target);
        a[i] ??= new T[Rank * cols];
        b[i] ??= new T[rows * Rank];
    }

    /// <summary>A [rank × in] of (layer, target), or null when that projection is not adapted.</summary>
    public T[]? A(int layer, LoraTarget target) => a[Index(layer, target)];

    /// <summary>B [out × rank] of (layer, target), or null when that projection is not adapted.</summary>
    public T[]? B(int layer, LoraTarget target) => b[Index(layer, target)];

    /// <summary>(out, in) of a target's base matrix.</summary>
    public static (int Rows, int Cols) Shape(LlamaConfig c, LoraTarget target) => target switch
    {
        LoraTarget.Q or LoraTarget.O => (c.Dim, c.Dim),
        LoraTarget.K or LoraTarget.V => (c.KvDim, c.Dim),
        LoraTarget.W1 or LoraTarget.W3 => (c.HiddenDim, c.Dim),
        LoraTarget.W2 => (c.Dim, c.HiddenDim),
        _ => throw new ArgumentOutOfRangeException(nameof(target), target, "unknown LoRA target."),
    };

    private int Index(int layer, LoraTarget target)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(layer, Config.Layers);
        if ((uint)target >= TargetCount)
        {
            throw new ArgumentOutOfRangeException(nameof(target), target, "unknown LoRA target.");
        }

        return (layer * TargetCount) + (int)target;
    }
}
