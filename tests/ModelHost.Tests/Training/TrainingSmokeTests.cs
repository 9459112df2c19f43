using AgentMem.ModelHost.Training;
using Xunit.Abstractions;

namespace AgentMem.ModelHost.Tests.Training;

/// <summary>Real training runs on the tiny random model: LoRA memorises a sequence; a short KV prefix learns to stand in for a longer context.</summary>
public sealed class TrainingSmokeTests
{
    private readonly ITestOutputHelper output;

    public TrainingSmokeTests(ITestOutputHelper output) => this.output = output;

    [Fact]
    public void LoRA_on_q_and_v_halves_the_cross_entropy_of_a_sequence_in_50_steps()
    {
        var config = TinyTrainingModel.Config();
        var trainer = new LlamaTrainer(config, TinyTrainingModel.Weights(config));
        int[] tokens = TinyTrainingModel.Tokens(24, seed: 9);
        var loss = CrossEntropyLoss.ForNextTokens(tokens);
        var lora = LoraParameters.Create(config, rank: 4, alpha: 8f, [LoraTarget.Q, LoraTarget.V], seed: 1);
        var gradients = lora.CreateGradientBuffer();
        float before = trainer.ComputeLoss(tokens, 0, loss, lora);

        var losses = TrainingLoop.Run(
            () => trainer.ComputeGradients(tokens, 0, loss, lora, loraGradients: gradients),
            gradients.Tensors,
            new AdamW(lora.Tensors, weightDecay: 0.01f),
            new CosineSchedule(3e-2f, warmupSteps: 5, totalSteps: 50, minLearningRate: 3e-3f),
            maxGradientNorm: 1f);
        float after = trainer.ComputeLoss(tokens, 0, loss, lora);
        output.WriteLine($"cross-entropy {before:F4} → {after:F4} ({after / before:P1}); step losses {string.Join(' ', losses.Where((_, i) => i % 10 == 0).Select(l => l.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)))}");
        Assert.Equal(before, losses[0], 1e-5f);
        Assert.True(after <= 0.5f * before, $"{before} → {after}");
    }

    [Fact]
    public void A_4_entry_prefix_trained_with_KL_beats_its_initialisation_from_real_tokens()
    {
        var config = TinyTrainingModel.Config(RopeStyle.Half, tied: false);
        var weights = TinyTrainingModel.Weights(config, seed: 8);
        var model = new LlamaModel(config, weights);
        var trainer = new LlamaTrainer(model);
        int[] all = TinyTrainingModel.Tokens(28, seed: 10);
        int[] context = all[..12], sequence = all[12..];

        // Teacher: the same model with the 12 context tokens in front.
        var full = trainer.Logits(all, 0);
        var loss = KlDivergenceLoss.FromLogits(full[(12 * config.VocabSize)..], config.VocabSize);

        // Student: 4 entries, initialised as the prefill of the first 4 context tokens; the sequence keeps its positions.
        var cache = model.CreateCache();
        model.Prefill(context.AsSpan(0, 4), 0, cache);
        var prefix = KvPrefixParameters.FromCache(cache, 4);
        var gradients = prefix.CreateGradientBuffer();
        float before = trainer.ComputeLoss(sequence, 12, loss, prefix: prefix);

        TrainingLoop.Run(
            () => trainer.ComputeGradients(sequence, 12, loss, prefix: prefix, prefixGradients: gradients),
            gradients.Tensors,
            new AdamW(prefix.Tensors, weightDecay: 0f),
            new CosineSchedule(5e-2f, warmupSteps: 5, totalSteps: 50),
            maxGradientNorm: 1f);
        float after = trainer.ComputeLoss(sequence, 12, loss, prefix: prefix);

        // What the trained prefix does through the inference model, written into a cache.
        var trained = model.CreateCache();
        prefix.WriteTo(trained);
        var logits = trainer.Logits(sequence, 12, prefix: prefix);
        double diff = 0;
        for (int t = 0; t < sequence.Length; t++)
        {
            var row = model.ForwardAt(sequence[t], 12 + t, 4 + t, trained);
            for (int v = 0; v < config.VocabSize; v++)
            {
                diff = Math.Max(diff, Math.Abs(row[v] - logits[(t * config.VocabSize) + v]));
            }
        }

        output.WriteLine($"KL(full context ‖ 4-entry prefix) {before:F4} → {after:F4} ({after / before:P1}); LlamaModel on the trained prefix differs by {diff:E2}");
        Assert.True(after < before, $"{before} → {after}");
        Assert.True(diff < 1e-4, $"diff {diff}");
    }
}
