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
