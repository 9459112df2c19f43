using System.Globalization;

namespace AgentMem.ModelHost.Training;

/// <summary>The recipe <see cref="LoraAdapterTrainer"/> follows; <see cref="Validate"/> says what is wrong with one.</summary>
public sealed record LoraTrainingOptions
{
    /// <summary>LoRA rank r (rows of A, columns of B). Default 4.</summary>
    public int Rank { get; init; } = 4;

    /// <summary>LoRA alpha; the update is scaled by alpha / rank, at most <see cref="LoraAdapter.MaxMagnitude"/>. Default 8.</summary>
    public float Alpha { get; init; } = 8f;

    /// <summary>The projections adapted in every layer. Default q and v (the original LoRA paper's choice).</summary>
    public IReadOnlyList<LoraTarget> Targets { get; init; } = [LoraTarget.Q, LoraTarget.V];

    /// <summary>
    /// LoRA's optimiser by default: 60 steps, peak learning rate 1e-2, 5 warm-up steps, weight decay 0.01 (pulls the pairs
    /// towards zero, i.e. towards the base model), gradients clipped to norm 1.
    /// </summary>
    public static OptimizerSettings DefaultOptimizer { get; } = new()
    {
        Steps = 60,
        LearningRate = 1e-2f,
        WarmupSteps = 5,
        WeightDecay = 0.01f,
        MaxGradientNorm = 1f,
    };

    /// <summary>Steps, learning rate, warm-up, weight decay and clipping. Default <see cref="DefaultOptimizer"/>.</summary>
    public OptimizerSettings Optimizer { get; init; } = DefaultOptimizer;

    /// <summary>
    /// Tokens per training window when <see cref="SequenceLength"/> is 0: the model's context, at most this many. A window's
    /// activations grow with its square (n × heads × n attention weights per layer): a whole 8,192-token context of
    /// SmolLM2-135M needs about 80 GB of them, 512 tokens under 1 GB.
    /// </summary>
    public const int DefaultMaxSequenceLength = 512;

    /// <summary>
    /// Tokens per training window: longer sequences are cut into windows of this many tokens (consecutive windows share one
    /// token, so no next-token target is lost). 0 (the default) means the model's context length, at most
    /// <see cref="DefaultMaxSequenceLength"/>. A window whose activations would not fit the memory available is refused.
    /// </summary>
    public int SequenceLength { get; init; }

    /// <summary>
    /// Windows per step; their gradients are averaged. Default 1. A step never holds a window twice: with fewer windows than
    /// this, each step trains on every window once, and the adapter's <c>batch</c> metadata records that number.
    /// </summary>
    public int Batch { get; init; } = 1;

    /// <summary>Seed of A's initialisation and of the order windows are visited in. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>Throws with a message naming the first setting out of range.</summary>
    /// <exception cref="ArgumentException">A setting is out of range (an <see cref="ArgumentOutOfRangeException"/> for the optimiser's).</exception>
    public void Validate()
    {
        Require(Rank is > 0 and <= LoraAdapter.MaxRank, $"rank must be between 1 and {LoraAdapter.MaxRank}; got {Rank}.");
        Require(float.IsFinite(Alpha) && Alpha > 0f, $"alpha must be a positive number; got {Show(Alpha)}.");

        // An adapter refuses a larger scale (LoraAdapter.MaxMagnitude): checked here, not after the training.
        Require(Alpha / Rank <= LoraAdapter.MaxMagnitude, $"alpha / rank (the update's scale) must be at most {Show(LoraAdapter.MaxMagnitude)}; got {Show(Alpha)} / {Rank}.");
        Require(Targets is { Count: > 0 }, "give at least one LoRA target (q, k, v, o, w1, w2, w3).");
        Require(Targets.All(Enum.IsDefined), "a LoRA target is not one of q, k, v, o, w1, w2, w3.");
        Require(Targets.Distinct().Count() == Targets.Count, "give each LoRA target once.");
        ArgumentNullException.ThrowIfNull(Optimizer);
        Optimizer.Validate();
        Require(SequenceLength == 0 || SequenceLength >= 2, $"the sequence length must be 0 (the model's context, at most {DefaultMaxSequenceLength}) or at least 2 tokens; got {SequenceLength}.");
        Require(Batch > 0, $"the batch must be at least one sequence per step; got {Batch}.");
    }

    private static string Show(float value) => value.ToString(CultureInfo.InvariantCulture);

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
