using AgentMem.ModelHost.Training;

namespace AgentMem.ModelHost.Tests.Training;

/// <summary>The trainables' containers, gradient buffers and the trainer's argument checks.</summary>
public sealed class TrainingApiTests
{
    [Fact]
    public void LoRA_starts_with_B_zero_and_A_seeded_within_its_bound()
    {
        var config = TinyTrainingModel.Config();
        var a = LoraParameters.Create(config, 4, 8f, [LoraTarget.Q, LoraTarget.W2], seed: 5);
        var same = LoraParameters.Create(config, 4, 8f, [LoraTarget.Q, LoraTarget.W2], seed: 5);
        var other = LoraParameters.Create(config, 4, 8f, [LoraTarget.Q, LoraTarget.W2], seed: 6);
        Assert.Equal(2f, a.Scale);
        Assert.Equal(config.Layers * 2 * 2, a.Tensors.Count);
        Assert.Same(a.A(0, LoraTarget.Q), a.Tensors[0]);
        Assert.Same(a.B(0, LoraTarget.Q), a.Tensors[1]);
        Assert.Equal(4 * config.Dim, a.A(1, LoraTarget.Q).Length);
        Assert.Equal(4 * config.HiddenDim, a.A(1, LoraTarget.W2).Length);
        Assert.Equal(config.Dim * 4, a.B(1, LoraTarget.W2).Length);
        Assert.All(a.Tensors.Where((_, i) => i % 2 == 1), b => Assert.All(b, v => Assert.Equal(0f, v)));
        float bound = 1f / MathF.Sqrt(config.HiddenDim);
        Assert.All(a.A(1, LoraTarget.W2), v => Assert.InRange(v, -bound, bound));
        Assert.Contains(a.A(0, LoraTarget.Q), v => v != 0f);
        Assert.Equal(a.A(1, LoraTarget.W2), same.A(1, LoraTarget.W2));
        Assert.NotEqual(a.A(1, LoraTarget.W2), other.A(1, LoraTarget.W2));
        Assert.Throws<KeyNotFoundException>(() => a.A(0, LoraTarget.K));
        Assert.Throws<ArgumentException>(() => LoraParameters.Create(config, 4, 8f, [LoraTarget.Q, LoraTarget.Q], seed: 1));
        Assert.Equal(config.KvDim, LoraParameters.OutputSize(config, LoraTarget.V));

        // Only layer 1: layer 0 has no pair, and the logits with B = 0 are the base model's.
        var one = LoraParameters.Create(config, 2, 2f, [LoraTarget.O], seed: 1, layers: [1]);
        Assert.Equal([1], one.Layers);
        Assert.Equal(2, one.Tensors.Count);
        Assert.Throws<KeyNotFoundException>(() => one.A(0, LoraTarget.O));
        Assert.Throws<ArgumentException>(() => LoraParameters.Create(config, 2, 2f, [LoraTarget.O], seed: 1, layers: [config.Layers]));
        var trainer = new LlamaTrainer(config, TinyTrainingModel.Weights(config));
        int[] tokens = TinyTrainingModel.Tokens(6, seed: 1);
        one.B(1, LoraTarget.O)[0] = 1f;
        var grad = one.CreateGradientBuffer();
        trainer.ComputeGradients(tokens, 0, CrossEntropyLoss.ForNextTokens(tokens), one, loraGradients: grad);
        Assert.Contains(grad.A(1, LoraTarget.O), v => v != 0f);
        Assert.Throws<ArgumentException>(() => trainer.ComputeGradients(tokens, 0, CrossEntropyLoss.ForNextTokens(tokens), one, loraGradients: LoraParameters.Zeros(config, 2, 2f, [LoraTarget.O])));
    }

    [Fact]
    public void Prefix_copies_a_cache_with_its_positions_and_writes_back()
    {
        var config = TinyTrainingModel.Config();
        var model = new LlamaModel(config, TinyTrainingModel.Weights(config));
        var cache = model.CreateCache();
        model.Prefill(TinyTrainingModel.Tokens(6, seed: 1), 0, cache);
        cache.Compact([0, 2, 5]);
        var prefix = KvPrefixParameters.FromCache(cache, 3);
        Assert.Equal([0, 2, 5], prefix.Positions);
        Assert.Equal(6, prefix.NextPosition);
        Assert.Equal(cache.Key(1, 2).ToArray(), prefix.Keys(1).AsSpan(2 * config.KvDim, config.KvDim).ToArray());
        Assert.Equal(2 * config.Layers, prefix.Tensors.Count);

        var back = model.CreateCache();
        prefix.WriteTo(back);
        Assert.Equal(3, back.Length);
        Assert.Equal(5, back.PositionOf(2));
        Assert.Equal(cache.Value(0, 1).ToArray(), back.Value(0, 1).ToArray());
    }

    [Fact]
    public void Gradients_add_up_across_calls_and_buffers_must_match()
    {
        var config = TinyTrainingModel.Config();
        var trainer = new LlamaTrainer(config, TinyTrainingModel.Weights(config));
        int[] tokens = TinyTrainingModel.Tokens(8, seed: 2);
        var loss = CrossEntropyLoss.ForNextTokens(tokens, firstPosition: 2);
        Assert.Equal(5, loss.Count);
        var lora = LoraParameters.Create(config, 2, 2f, [LoraTarget.V], seed: 1);
        var grad = lora.CreateGradientBuffer();
        trainer.ComputeGradients(tokens, 0, loss, lora, loraGradients: grad);
        float[] once = [.. grad.B(1, LoraTarget.V)];
        Assert.Contains(once, v => v != 0f);
        trainer.ComputeGradients(tokens, 0, loss, lora, loraGradients: grad);
        var twice = grad.B(1, LoraTarget.V);
        for (int i = 0; i < once.Length; i++)
        {
            // Added position by position onto the first call's sums, so equal within float rounding.
            Assert.Equal(2 * once[i], twice[i], 1e-6f);
        }

        grad.Clear();
        Assert.All(grad.B(1, LoraTarget.V), v => Assert.Equal(0f, v));

        var wrong = LoraParameters.Zeros(config, 2, 2f, [LoraTarget.Q]);
        Assert.Throws<ArgumentException>(() => trainer.ComputeGradients(tokens, 0, loss, lora, loraGradients: wrong));
        var prefix = new KvPrefixParameters(config, 2);
        Assert.Throws<ArgumentException>(() => trainer.ComputeGradients(tokens, 2, loss, prefix: prefix, prefixGradients: new KvPrefixParameters(config, 3)));
        // Same length and KV width, fewer layers: refused up front, not an IndexOutOfRangeException deep in the backward pass.
        Assert.Throws<ArgumentException>(() => trainer.ComputeGradients(tokens, 2, loss, prefix: prefix, prefixGradients: new KvPrefixParameters(config with { Layers = config.Layers - 1 }, 2)));
        Assert.Throws<ArgumentException>(() => trainer.ComputeLoss(tokens.AsSpan(0, 5), 0, loss));
        Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Logits([config.VocabSize], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Logits(tokens, config.SeqLen - 4));
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(int.MaxValue - 1)]
    [InlineData(-1)]
    public void A_start_position_outside_the_context_is_refused_even_where_the_last_position_overflows(int start)
    {
        // start + length was summed in int: near int.MaxValue it wrapped negative, passed the context check, and the pass ran
        // at wrapped RoPE positions, returning finite logits, loss and gradients for positions the model does not have.
        var config = TinyTrainingModel.Config();
        var trainer = new LlamaTrainer(config, TinyTrainingModel.Weights(config));
        int[] tokens = [1, 2, 3];
        var loss = CrossEntropyLoss.ForNextTokens(tokens);
        foreach (var pass in new Action[] { () => trainer.Logits(tokens, start), () => trainer.ComputeLoss(tokens, start, loss), () => trainer.ComputeGradients(tokens, start, loss) })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(pass);
            Assert.Equal("startPosition", e.ParamName);
            Assert.Contains($"context of {config.SeqLen}", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Perplexity_refuses_a_token_outside_the_vocabulary_the_last_one_too()
    {
        // The last token is only ever read as a target, never run through Forward, which checks the others.
        var config = TinyTrainingModel.Config();
        var model = new LlamaModel(config, TinyTrainingModel.Weights(config));
        foreach (int bad in new[] { -1, config.VocabSize })
        {
            Assert.Equal("tokens", Assert.ThrowsAny<ArgumentException>(() => Perplexity.Measure(model, [1, bad])).ParamName);
            Assert.Equal("tokens", Assert.ThrowsAny<ArgumentException>(() => Perplexity.Measure(model, [bad, 1])).ParamName);
        }

        Assert.True(Perplexity.Measure(model, [1, config.VocabSize - 1]) > 1);
    }

    [Fact]
    public void A_sequence_whose_activations_exceed_the_memory_is_refused_before_they_are_allocated()
    {
        // 64 layers × 4,096 positions × 64 heads × 4,096 keys: about 275 GB of attention weights alone, though each layer's
        // array (1.07 billion values) is within Array.MaxLength, which was all that was checked before the tape was allocated.
        var config = new LlamaConfig(128, 256, 64, 64, 64, TinyHf.Vocab, 4096, SharedClassifier: true);
        var trainer = new LlamaTrainer(config, TinyHf.Weights(config, seed: 1));
        int[] tokens = new int[4096];
        var loss = CrossEntropyLoss.ForNextTokens(tokens);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ArgumentException>(() => trainer.ComputeLoss(tokens, 0, loss));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20, "the tape was allocated before the sequence was refused");
        Assert.Equal("tokens", e.ParamName);
        Assert.Contains("4096-token training sequence", e.Message, StringComparison.Ordinal);
        Assert.Contains(" GB of activations over the model's 64 layers", e.Message, StringComparison.Ordinal);
        Assert.Contains("shorter SequenceLength", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_memory_check_counts_the_weights_and_the_transposed_copies_the_backward_caches()
    {
        // The first backward pass transposes every projection and the classifier (a second copy of the matrices, kept for the
        // trainer's life) beside the weights already loaded. The check compared the tape alone with the memory the process can
        // use, so a run that passed it died out of memory at its first step (265 MB of weights, +200 MB of transposes, under a
        // 470 MB heap limit). Here the check's own arithmetic, against the arrays it has to count.
        var config = TinyTrainingModel.Config(tied: false, bias: true);
        var w = TinyTrainingModel.Weights(config);
        const int n = 16;
        long tape = (long)TrainingGraph<float>.TapeBytes(config, n, 0);
        long weights = sizeof(float) * new[] { w.TokenEmbedding, w.RmsAtt, w.Wq, w.Wk, w.Wv, w.Wo, w.RmsFfn, w.W1, w.W2, w.W3, w.RmsFinal, w.Classifier, w.Bq!, w.Bk!, w.Bv! }.Sum(a => (long)a.Length);
        long transposed = sizeof(float) * new[] { w.Wq, w.Wk, w.Wv, w.Wo, w.W1, w.W2, w.W3, w.Classifier }.Sum(a => (long)a.Length);

        // A forward pass holds the tape beside the weights; one with gradients the transposes too.
        TrainingGraph<float>.EnsureTapeFits(config, n, 0, gradients: false, "tokens", tape + weights);
        Assert.Throws<ArgumentException>(() => TrainingGraph<float>.EnsureTapeFits(config, n, 0, gradients: false, "tokens", tape + weights - 1));
        TrainingGraph<float>.EnsureTapeFits(config, n, 0, gradients: true, "tokens", tape + weights + transposed);
        var e = Assert.Throws<ArgumentException>(() => TrainingGraph<float>.EnsureTapeFits(config, n, 0, gradients: true, "tokens", tape + weights + transposed - 1));
        Assert.Equal("tokens", e.ParamName);
        Assert.Contains("transposed", e.Message, StringComparison.Ordinal);
        Assert.Contains("shorter SequenceLength", e.Message, StringComparison.Ordinal);

        // When the weights and their transposes alone do not fit, no window length helps: the message says so.
        e = Assert.Throws<ArgumentException>(() => TrainingGraph<float>.EnsureTapeFits(config, 2, 0, gradients: true, "tokens", weights + transposed - 1));
        Assert.Contains("weights", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("SequenceLength", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_memory_check_of_a_lora_run_counts_the_pairs_their_gradients_moments_and_copy()
    {
        // The LoRA state was left out: rank 4096 on every target passed the check and died out of memory (about 25 GB on
        // SmolLM2-135M). Here the check's own arithmetic, against the pairs LoraParameters makes.
        var config = TinyTrainingModel.Config(tied: false, bias: true);
        var options = new LoraTrainingOptions { Rank = 64, Targets = Enum.GetValues<LoraTarget>() };
        var pairs = LoraParameters.Create(config, options.Rank, options.Alpha, options.Targets, seed: 1);
        long copy = sizeof(float) * pairs.Tensors.Sum(t => (long)t.Length);
        var state = LoraAdapterTrainer.StateBytes(config, options);
        Assert.Equal(5 * copy, state.Bytes); // the pairs, their gradients, AdamW's two moments, the adapter's copy

        const int n = 16;
        long rest = (long)(TrainingGraph<float>.TapeBytes(config, n, 0) + TrainingGraph<float>.ModelBytes(config, gradients: true));
        TrainingGraph<float>.EnsureTapeFits(config, n, 0, gradients: true, "options", rest + (5 * copy), state);
        var e = Assert.Throws<ArgumentException>(() => TrainingGraph<float>.EnsureTapeFits(config, n, 0, gradients: true, "options", rest + (5 * copy) - 1, state));
        Assert.Equal("options", e.ParamName);
        Assert.Contains("shorter SequenceLength", e.Message, StringComparison.Ordinal); // the tape is what tips it over

        // Where the state beside the weights alone does not fit, no window helps: the message names the rank and the targets.
        long weights = (long)TrainingGraph<float>.ModelBytes(config, gradients: true);
        e = Assert.Throws<ArgumentException>(() => TrainingGraph<float>.EnsureTapeFits(config, 2, 0, gradients: true, "options", weights + (5 * copy) - 1, state));
        Assert.StartsWith("training needs the rank-64 LoRA pairs on q, k, v, o, w1, w2, w3 with their gradients, AdamW moments and the adapter's copy", e.Message, StringComparison.Ordinal);
        Assert.Contains("smaller Rank or fewer Targets (the CLI's --rank, --targets)", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("SequenceLength", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_quantised_model_cannot_be_trained()
    {
        var config = TinyTrainingModel.Config();
        var model = new LlamaModel(config, TinyTrainingModel.Weights(config), WeightQuantization.Int8PerRow);
        Assert.Throws<NotSupportedException>(() => new LlamaTrainer(model));
    }
}
