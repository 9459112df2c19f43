using System.Diagnostics;
using System.Globalization;

namespace AgentMem.ModelHost.Training;

/// <summary>
/// The step loop shared by LoRA and KV-prefix training: clear gradients, compute loss and gradients, clip by global norm,
/// take an <see cref="AdamW"/> step at the <see cref="CosineSchedule"/>'s rate, report; cancellable between steps.
/// </summary>
public static class TrainingLoop
{
    /// <summary>
    /// Trains <paramref name="parameters"/> the way <paramref name="settings"/> says: its AdamW (weight decay), its cosine
    /// schedule (steps, warm-up, learning rate) and its gradient clip, through the loop below.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (parameters keep the steps done).</exception>
    /// <exception cref="TrainingDivergedException">A loss or a gradient came back NaN or infinite (the parameters keep the steps
    /// before); <see cref="TrainingDivergedException.Step"/> names the step.</exception>
    public static float[] Run(
        Func<float> computeLossAndGradients,
        IReadOnlyList<float[]> gradients,
        IReadOnlyList<float[]> parameters,
        OptimizerSettings settings,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Run(computeLossAndGradients, gradients, settings.CreateOptimizer(parameters), settings.CreateSchedule(), settings.MaxGradientNorm, progress, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="schedule"/>.TotalSteps steps. <paramref name="computeLossAndGradients"/> returns the loss and adds
    /// its gradients into <paramref name="gradients"/> (zeroed before each call; the optimiser's parameters in the same order),
    /// e.g. through <see cref="LlamaTrainer.ComputeGradients"/>. Returns each step's loss.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (parameters keep the steps done).</exception>
    /// <exception cref="TrainingDivergedException">A loss or a gradient came back NaN or infinite (the parameters keep the steps
    /// before); <see cref="TrainingDivergedException.Step"/> names the step.</exception>
    public static float[] Run(
        Func<float> computeLossAndGradients,
        IReadOnlyList<float[]> gradients,
        AdamW optimizer,
        CosineSchedule schedule,
        float maxGradientNorm,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(computeLossAndGradients);
        ArgumentNullException.ThrowIfNull(gradients);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(schedule);
        var clock = Stopwatch.StartNew();
        var losses = new float[schedule.TotalSteps];
        for (int step = 0; step < schedule.TotalSteps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var g in gradients)
            {
                Array.Clear(g);
            }

            float loss = computeLossAndGradients();
            if (!float.IsFinite(loss))
            {
                throw new TrainingDivergedException(step + 1, string.Create(CultureInfo.InvariantCulture, $"training diverged at step {step + 1}: the loss is {loss}."));
            }

            float norm;
            try
            {
                norm = GradientClipping.ClipByGlobalNorm(gradients, maxGradientNorm);
            }
            catch (ArithmeticException ex)
            {
                throw new TrainingDivergedException(step + 1, string.Create(CultureInfo.InvariantCulture, $"training diverged at step {step + 1}: {ex.Message}"), ex);
            }

            float lr = schedule.LearningRate(step);
            optimizer.Step(gradients, lr);
            losses[step] = loss;
            progress?.Report(new TrainingProgress(step + 1, schedule.TotalSteps, loss, lr, norm, clock.Elapsed));
        }

        return losses;
    }
}
