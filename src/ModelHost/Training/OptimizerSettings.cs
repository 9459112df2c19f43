using System.Globalization;

namespace AgentMem.ModelHost.Training;

/// <summary>
/// How a trainer optimises: <see cref="AdamW"/> for <see cref="Steps"/> steps on a <see cref="CosineSchedule"/> with linear
/// warm-up, the gradients clipped to a global norm before each step. Every member is required, so a trainer's defaults
/// (<see cref="SelfStudyOptions.DefaultOptimizer"/>, <see cref="LoraTrainingOptions.DefaultOptimizer"/>) are changed with
/// <c>with</c> rather than replaced by another trainer's.
/// </summary>
public sealed record OptimizerSettings
{
    /// <summary>Optimiser steps.</summary>
    public required int Steps { get; init; }

    /// <summary>Peak learning rate of the cosine schedule, reached at the end of the warm-up.</summary>
    public required float LearningRate { get; init; }

    /// <summary>Steps of linear warm-up before the cosine decay (0 to <see cref="Steps"/>).</summary>
    public required int WarmupSteps { get; init; }

    /// <summary>AdamW's decoupled weight decay (pulls the trained parameters towards zero; 0 for none).</summary>
    public required float WeightDecay { get; init; }

    /// <summary>Global gradient norm clipped to before each step.</summary>
    public required float MaxGradientNorm { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first setting that cannot work.</summary>
    public void Validate()
    {
        OptionsGuard.Check(Steps > 0, Steps, "must be positive");
        OptionsGuard.Positive(LearningRate);
        OptionsGuard.Between(WarmupSteps, 0, Steps);
        OptionsGuard.NonNegative(WeightDecay);
        OptionsGuard.Positive(MaxGradientNorm);
    }

    /// <summary>The learning rate of each step: linear warm-up to <see cref="LearningRate"/>, then cosine decay to 0.</summary>
    public CosineSchedule CreateSchedule() => new(LearningRate, WarmupSteps, Steps);

    /// <summary>AdamW over <paramref name="parameters"/> (updated in place) with <see cref="WeightDecay"/>.</summary>
    public AdamW CreateOptimizer(IReadOnlyList<float[]> parameters) => new(parameters, weightDecay: WeightDecay);

    /// <summary>
    /// Adds the settings to a trained artefact's <paramref name="recipe"/> in this order: steps, learning_rate, warmup_steps,
    /// weight_decay, max_gradient_norm (floats round-trip, invariant culture), as cartridges and adapters have always recorded them.
    /// </summary>
    internal void AddTo(IDictionary<string, string> recipe)
    {
        var inv = CultureInfo.InvariantCulture;
        recipe["steps"] = Steps.ToString(inv);
        recipe["learning_rate"] = LearningRate.ToString("R", inv);
        recipe["warmup_steps"] = WarmupSteps.ToString(inv);
        recipe["weight_decay"] = WeightDecay.ToString("R", inv);
        recipe["max_gradient_norm"] = MaxGradientNorm.ToString("R", inv);
    }
}
