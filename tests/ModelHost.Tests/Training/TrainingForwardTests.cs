using AgentMem.ModelHost.Training;
using Xunit.Abstractions;

namespace AgentMem.ModelHost.Tests.Training;

/// <summary>The training graph's forward pass reproduces <see cref="LlamaModel"/>'s logits, with and without a KV prefix.</summary>
public sealed class TrainingForwardTests
{
    private const double Tolerance = 1e-4;
    private readonly ITestOutputHelper output;

    public TrainingForwardTests(ITestOutputHelper output) => this.output = output;

    [Fact]
    public void Logits_match_LlamaModel_on_stories260K_without_prefix()
    {
        var model = Stories.Model;
        int[] tokens = [.. Stories.Tokenizer.Encode(Stories.Lily).Take(40)];
        var cache = model.CreateCache();
        var expected = new float[tokens.Length][];
        for (int t = 0; t < tokens.Length; t++)
        {
            expected[t] = model.Forward(tokens[t], t, cache).ToArray();
        }

        var logits = new LlamaTrainer(model).Logits(tokens, 0);
        double diff = MaxDiff(expected, logits, model.Config.VocabSize);
        output.WriteLine($"max |trainer − LlamaModel| over {tokens.Length} positions = {diff:E3}");
        Assert.True(diff < Tolerance, $"max diff {diff}");
    }

    [Fact]
    public void Logits_match_LlamaModel_after_a_prefix_prefilled_from_real_tokens()
    {
        var model = Stories.Model;
        int[] story = Stories.Tokenizer.Encode(Stories.Lily);
        int[] context = story[..12], sequence = story[12..36];

        // The whole context as the prefix: the sequence continues at position 12, as after a plain prefill.
        var cache = model.CreateCache();
        model.Prefill(context, 0, cache);
        var prefix = KvPrefixParameters.FromCache(cache, context.Length);
        var expected = new float[sequence.Length][];
        for (int t = 0; t < sequence.Length; t++)
        {
            expected[t] = model.Forward(sequence[t], context.Length + t, cache).ToArray();
        }

        var trainer = new LlamaTrainer(model);
        double full = MaxDiff(expected, trainer.Logits(sequence, context.Length, prefix: prefix), 512);

        // Only the first 4 entries, the sequence still at position 12 (slots and positions differ, as in a compressed cache),
        // with the prefix written back into a cache through the public path.
        var shortPrefix = KvPrefixParameters.FromCache(cache, 4);
        var shortCache = model.CreateCache();
        shortPrefix.WriteTo(shortCache);
        Assert.Equal(4, shortCache.Length);
        for (int t = 0; t < sequence.Length; t++)
        {
            expected[t] = model.ForwardAt(sequence[t], context.Length + t, 4 + t, shortCache).ToArray();
        }

        double partial = MaxDiff(expected, trainer.Logits(sequence, context.Length, prefix: shortPrefix), 512);
        output.WriteLine($"max |trainer − LlamaModel|: 12-entry prefix {full:E3}, 4-entry prefix {partial:E3}");
        Assert.True(full < Tolerance, $"max diff {full}");
        Assert.True(partial < Tolerance, $"max diff {partial}");
    }

    [Theory]
    [InlineData(RopeStyle.Interleaved, true, false)]
    [InlineData(RopeStyle.Half, false, true)]
    public void Logits_match_LlamaModel_on_a_tiny_random_model(RopeStyle rope, bool tied, bool bias)
    {
        var config = TinyTrainingModel.Config(rope, tied, bias);
        var weights = TinyTrainingModel.Weights(config);
        var model = new LlamaModel(config, weights);
        int[] tokens = TinyTrainingModel.Tokens(20, seed: 3);
        var cache = model.CreateCache();
        model.Prefill(tokens.AsSpan(0, 5), 0, cache);
        var prefix = KvPrefixParameters.FromCache(cache, 5);
        var expected = new float[15][];
        for (int t = 0; t < 15; t++)
        {
            expected[t] = model.Forward(tokens[5 + t], 5 + t, cache).ToArray();
        }

        double diff = MaxDiff(expected, new LlamaTrainer(config, weights).Logits(tokens.AsSpan(5), 5, prefix: prefix), config.VocabSize);
        output.WriteLine($"{rope}, tied {tied}, bias {bias}: max diff {diff:E3}");
        Assert.True(diff < Tolerance, $"max diff {diff}");
    }

    [Fact]
    public void A_sequence_whose_attention_tape_would_overflow_an_array_is_refused_before_allocating()
    {
        // 4 heads × 25,000 × 25,000 scores wrap a 32-bit size; refused with the sequence length named.
        var config = TinyTrainingModel.Config();
        var graph = new TrainingGraph<float>(ModelTensors<float>.From(config, TinyTrainingModel.Weights(config)));
        var ex = Assert.Throws<ArgumentException>(() => graph.Forward(new int[25_000], 0, null, null));
        Assert.Contains("25000-token", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_zero_LoRA_changes_nothing_and_a_nonzero_one_changes_the_logits()
    {
        var config = TinyTrainingModel.Config();
        var weights = TinyTrainingModel.Weights(config);
        var trainer = new LlamaTrainer(config, weights);
        int[] tokens = TinyTrainingModel.Tokens(10, seed: 4);
        var lora = LoraParameters.Create(config, 2, 4f, [LoraTarget.Q, LoraTarget.W2], seed: 1);
        Assert.Equal(trainer.Logits(tokens, 0), trainer.Logits(tokens, 0, lora));
        lora.B(1, LoraTarget.W2)[3] = 0.5f;
        Assert.NotEqual(trainer.Logits(tokens, 0), trainer.Logits(tokens, 0, lora));
    }

    [Fact]
    public void LoRA_forward_equals_LlamaModel_with_the_pairs_merged_into_the_weights()
    {
        var config = TinyTrainingModel.Config(RopeStyle.Half, tied: false);
        var weights = TinyTrainingModel.Weights(config);
        var lora = LoraParameters.Create(config, 3, 6f, Enum.GetValues<LoraTarget>(), seed: 2);
        var random = new Random(3);
        foreach (var b in lora.Tensors.Where((_, i) => i % 2 == 1))
        {
            for (int i = 0; i < b.Length; i++)
            {
                b[i] = (float)(random.NextDouble() - 0.5);
            }
        }

        // W' = W + (alpha/r)·B·A per layer and target.
        var merged = weights with
        {
            Wq = (float[])weights.Wq.Clone(), Wk = (float[])weights.Wk.Clone(), Wv = (float[])weights.Wv.Clone(), Wo = (float[])weights.Wo.Clone(),
            W1 = (float[])weights.W1.Clone(), W2 = (float[])weights.W2.Clone(), W3 = (float[])weights.W3.Clone(),
        };
        foreach (var target in lora.Targets)
        {
            float[] w = target switch
            {
                LoraTarget.Q => merged.Wq, LoraTarget.K => merged.Wk, LoraTarget.V => merged.Wv, LoraTarget.O => merged.Wo,
                LoraTarget.W1 => merged.W1, LoraTarget.W2 => merged.W2, _ => merged.W3,
            };
            int rows = LoraParameters.OutputSize(config, target), cols = LoraParameters.InputSize(config, target);
            foreach (int l in lora.Layers)
            {
                float[] a = lora.A(l, target), b = lora.B(l, target);
                for (int i = 0; i < rows; i++)
                {
                    for (int j = 0; j < cols; j++)
                    {
                        double delta = 0;
                        for (int k = 0; k < lora.Rank; k++)
                        {
                            delta += (double)b[(i * lora.Rank) + k] * a[(k * cols) + j];
                        }

                        w[(l * rows * cols) + (i * cols) + j] += (float)(lora.Scale * delta);
                    }
                }
            }
        }

        var model = new LlamaModel(config, merged);
        int[] tokens = TinyTrainingModel.Tokens(12, seed: 6);
        var cache = model.CreateCache();
        var expected = new float[tokens.Length][];
        for (int t = 0; t < tokens.Length; t++)
        {
            expected[t] = model.Forward(tokens[t], t, cache).ToArray();
        }

        double diff = MaxDiff(expected, new LlamaTrainer(config, weights).Logits(tokens, 0, lora), config.VocabSize);
        output.WriteLine($"LoRA on all seven projections vs merged weights: max diff {diff:E3}");
        Assert.True(diff < Tolerance, $"max diff {diff}");
    }

    private static double MaxDiff(float[][] expected, float[] logits, int vocab)
    {
        Assert.Equal(expected.Length * vocab, logits.Length);
        double max = 0;
        for (int t = 0; t < expected.Length; t++)
        {
            for (int v = 0; v < vocab; v++)
            {
                max = Math.Max(max, Math.Abs(expected[t][v] - logits[(t * vocab) + v]));
            }
        }

        return max;
    }
}
