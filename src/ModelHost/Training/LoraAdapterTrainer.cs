using System.Diagnostics;
using System.Globalization;

namespace AgentMem.ModelHost.Training;

/// <summary>
/// Trains a <see cref="LoraAdapter"/> on token sequences (it tokenises nothing): cross-entropy of every next token, through
/// <see cref="TrainingLoop"/> (AdamW, cosine schedule, clipping; cancellable, reporting progress), over frozen float32 weights.
/// The adapter's metadata records the recipe, the data's size and the final loss (over every window after the last step,
/// reported window by window as <see cref="TrainingPhase.FinalLoss"/>).
/// </summary>
public static class LoraAdapterTrainer
{
    /// <summary>
    /// Trains on <paramref name="sequences"/> (each cut into windows of <see cref="LoraTrainingOptions.SequenceLength"/> tokens)
    /// and returns the adapter, bound to <paramref name="model"/>'s fingerprint, with <paramref name="sources"/> as its source ids.
    /// <paramref name="progress"/> receives each step, then each window of the final-loss pass (<see cref="TrainingPhase.FinalLoss"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid, a token is outside the vocabulary, no sequence has two tokens,
    /// the window is longer than the model's context or the context is under 2 tokens, or a window's activations, beside the model's weights, the transposed copies of its matrices the backward pass keeps and the LoRA pairs with their gradients, AdamW moments and the adapter's copy (5 × 4 bytes × layers × Σ rank × (in + out) over the targets), would not fit the memory available.</exception>
    /// <exception cref="NotSupportedException">The model's weights are quantised.</exception>
    /// <exception cref="TrainingDivergedException">The training diverged (an <see cref="ArithmeticException"/>): a step's loss or
    /// gradients came back NaN or infinite, or the trained pairs hold a value no adapter may
    /// (<see cref="LoraAdapter.MaxMagnitude"/>), or the final loss is not finite. The learning rate (or alpha) is too large for
    /// the data: train again with a lower one. <see cref="TrainingDivergedException.Step"/> names the step.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static LoraAdapter Train(
        LlamaModel model,
        IEnumerable<IReadOnlyList<int>> sequences,
        LoraTrainingOptions options,
        IEnumerable<string>? sources = null,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sequences);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var config = model.Config;
        int window = options.SequenceLength == 0 ? Math.Min(config.SeqLen, LoraTrainingOptions.DefaultMaxSequenceLength) : options.SequenceLength;
        if (window > config.SeqLen)
        {
            throw new ArgumentException($"the sequence length {window} exceeds the model's context of {config.SeqLen} tokens.", nameof(options));
        }

        // Only the default window can be this short (Validate asks 2 of an explicit one): a 1-token window holds no target, and
        // consecutive windows, sharing a token, would start 0 tokens apart, so cutting the data would never end.
        if (window < 2)
        {
            throw new ArgumentException($"the model's context of {config.SeqLen} {(config.SeqLen == 1 ? "token" : "tokens")} cannot hold a next-token target; load the model with a context (MaxSequenceLength, the CLI's --context) of at least 2 tokens.", nameof(options));
        }

        var data = sequences.ToList();
        var windows = Windows(data, window, config.VocabSize);

        // The longest window's activations, with the weights, the backward's transposed matrices and the LoRA state, checked
        // before the pairs and the trainer are made and anything is trained.
        TrainingGraph<float>.EnsureTapeFits(config, windows.Max(w => w.Length), 0, gradients: true, nameof(options), StateBytes(config, options));
        var trainer = new LlamaTrainer(model);
        var lora = LoraParameters.Create(config, options.Rank, options.Alpha, options.Targets, options.Seed);
        var gradients = lora.CreateGradientBuffer();
        var losses = windows.Select(w => CrossEntropyLoss.ForNextTokens(w)).ToArray();

        var sampler = new WindowSampler(windows.Length, options.Batch, options.Seed);
        int batch = sampler.Batch;
        float StepLossAndGradients()
        {
            // The mean over all the batch's targets, each window weighted by its share of them: the loss final_loss reports,
            // so a short tail window does not weigh per token as much as a full one, and the learning rate does not depend on
            // the batch size.
            var picked = sampler.Next();
            int targets = 0;
            foreach (int w in picked)
            {
                targets += losses[w].Count;
            }

            float sum = 0f;
            foreach (int w in picked)
            {
                var share = new WeightedLoss(losses[w], (float)losses[w].Count / targets);
                sum += trainer.ComputeGradients(windows[w], 0, share, lora, loraGradients: gradients);
            }

            return sum;
        }

        var clock = Stopwatch.StartNew();
        TrainingLoop.Run(
            StepLossAndGradients,
            gradients.Tensors,
            lora.Tensors,
            options.Optimizer,
            progress,
            cancellationToken);

        // Every loss of the steps was finite, but the last step can still leave values no adapter holds (a learning rate of
        // 1e30 does so in one step): refused as the divergence it is before the final-loss pass, not by the adapter after it.
        int steps = options.Optimizer.Steps;
        if (lora.Tensors.Select(t => LoraAdapter.Unusable(t)).FirstOrDefault(why => why is not null) is { } problem)
        {
            throw new TrainingDivergedException(steps, $"training diverged by step {steps}: a trained matrix {problem}");
        }

        // The final loss is over all the data (not the last batch), token-weighted, so it is comparable between runs. It is a
        // forward pass per window, so on a large data set it takes longer than the steps: each window is reported as a phase of
        // its own, so a caller showing progress does not go silent after the last step, and a cancel stops it at the next.
        double total = 0;
        long counted = 0;
        for (int w = 0; w < windows.Length; w++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            total += (double)trainer.ComputeLoss(windows[w], 0, losses[w], lora) * losses[w].Count;
            counted += losses[w].Count;
            progress?.Report(new TrainingProgress(w + 1, windows.Length, (float)(total / counted), 0f, 0f, clock.Elapsed) { Phase = TrainingPhase.FinalLoss });
        }

        var inv = CultureInfo.InvariantCulture;
        if (!double.IsFinite(total))
        {
            throw new TrainingDivergedException(steps, string.Create(inv, $"training diverged by step {steps}: the final loss over the data is {total / counted}."));
        }

        var metadata = new Dictionary<string, string>
        {
            ["trainer"] = "AgentMem LoraAdapterTrainer (cross-entropy on next tokens, AdamW, cosine schedule)",
            ["rank"] = options.Rank.ToString(inv),
            ["alpha"] = options.Alpha.ToString("R", inv),
            ["targets"] = string.Join(',', options.Targets.Select(t => t.ToString().ToLowerInvariant())),
        };
        options.Optimizer.AddTo(metadata);
        metadata["sequence_length"] = window.ToString(inv);
        metadata["batch"] = batch.ToString(inv);
        metadata["seed"] = options.Seed.ToString(inv);
        metadata["windows"] = windows.Length.ToString(inv);
        metadata["tokens"] = data.Sum(s => (long)s.Count).ToString(inv);
        metadata["final_loss"] = (total / counted).ToString("0.######", inv);
        return lora.ToAdapter(model.AdapterFingerprint(), metadata, sources);
    }

    /// <summary>
    /// What the run holds for the pairs it trains: five float arrays of every pair (A [r × in] and B [out × r] per target and
    /// layer): the pairs, their gradients, AdamW's two moments and the adapter's copy made at the end.
    /// </summary>
    internal static TrainedStateBytes StateBytes(LlamaConfig config, LoraTrainingOptions options)
    {
        double perLayer = options.Targets.Sum(t => (double)options.Rank * (LoraParameters.InputSize(config, t) + LoraParameters.OutputSize(config, t)));
        string targets = string.Join(", ", options.Targets.Select(t => t.ToString().ToLowerInvariant()));
        return new TrainedStateBytes(
            5 * sizeof(float) * perLayer * config.Layers,
            $"the rank-{options.Rank} LoRA pairs on {targets} with their gradients, AdamW moments and the adapter's copy",
            "Use a smaller Rank or fewer Targets (the CLI's --rank, --targets).");
    }

    /// <summary>Cuts each sequence into windows of at most <paramref name="window"/> tokens, consecutive ones sharing a token.</summary>
    private static int[][] Windows(List<IReadOnlyList<int>> sequences, int window, int vocab)
    {
        var result = new List<int[]>();
        foreach (var s in sequences)
        {
            ArgumentNullException.ThrowIfNull(s, nameof(sequences));
            foreach (int t in s)
            {
                if ((uint)t >= (uint)vocab)
                {
                    throw new ArgumentException($"token {t} is outside the model's vocabulary of {vocab}.", nameof(sequences));
                }
            }

            for (int start = 0; start + 1 < s.Count; start += window - 1)
            {
                int length = Math.Min(window, s.Count - start);
                result.Add([.. s.Skip(start).Take(length)]);
            }
        }

        return result.Count > 0 ? [.. result] : throw new ArgumentException("no sequence has the two tokens needed for a next-token target.", nameof(sequences));
    }
}
