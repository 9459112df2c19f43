using AgentMem.ModelHost.Backends.Ilgpu;
using Xunit.Abstractions;
using static AgentMem.ModelHost.Tests.Adapters.LoraTestAdapters;

namespace AgentMem.ModelHost.Tests.Adapters;

/// <summary>Adapters at inference on stories260K: attached (decode and batched prefill), summed, merged and unmerged.</summary>
public sealed class LoraApplyTests
{
    private readonly ITestOutputHelper output;

    public LoraApplyTests(ITestOutputHelper output) => this.output = output;

    [Fact]
    public void Random_adapter_changes_the_logits_and_leaves_the_base_model_alone()
    {
        var model = Stories.Model;
        var baseLogits = DecodeLogits(model, Prompt);
        var adapted = model.WithAdapters(Random(model, 8, seed: 3));
        var adaptedLogits = DecodeLogits(adapted, Prompt);
        double diff = MaxDiff(baseLogits, adaptedLogits);
        output.WriteLine($"max |Δlogit| from a random rank-8 adapter: {diff:F3}");
        Assert.True(diff > 0.1, $"diff {diff}");
        Assert.Equal(0, MaxDiff(baseLogits, DecodeLogits(model, Prompt)));
        Assert.Single(adapted.Adapters);
        Assert.Empty(model.Adapters);
        Assert.False(adapted.GetFingerprint().AsSpan().SequenceEqual(model.GetFingerprint()));
        Assert.Empty(adapted.WithAdapters().Adapters);
        Assert.Equal(model.GetFingerprint(), adapted.WithAdapters().GetFingerprint());
    }

    [Fact]
    public void Cartridges_of_the_plain_model_are_refused_by_an_adapted_view()
    {
        var model = Stories.Model;
        int[] prompt = Prompt;
        var cache = model.CreateCache();
        model.Prefill(prompt, 0, cache);
        var cartridge = KvCartridge.Export(model, cache, prompt);
        var adapted = model.WithAdapters(Random(model, 2, seed: 71));
        var ex = Assert.Throws<AgentMem.Common.ModelFormatException>(() => cartridge.ImportInto(adapted, adapted.CreateCache()));
        Assert.Contains("another model", ex.Message, StringComparison.Ordinal);
        cartridge.ImportInto(model.WithAdapters(), model.CreateCache()); // no adapters: the plain model's fingerprint again
    }

    [Fact]
    public void Each_target_alone_changes_the_logits()
    {
        var model = Stories.Model;
        var baseLogits = DecodeLogits(model, Prompt);
        foreach (var target in All)
        {
            var adapted = model.WithAdapters(Random(model, 2, seed: 11, targets: [target]));
            Assert.True(MaxDiff(baseLogits, DecodeLogits(adapted, Prompt)) > 1e-3, $"{target} did nothing");
        }
    }

    [Fact]
    public void Zero_B_adapter_is_exactly_the_base_model_in_decode_and_prefill()
    {
        var model = Stories.Model;
        var adapted = model.WithAdapters(Random(model, 8, seed: 5, zeroB: true));
        Assert.Equal(0, MaxDiff(DecodeLogits(model, Prompt), DecodeLogits(adapted, Prompt)));
        Assert.Equal(0, MaxDiff(PrefillLogits(model, Prompt), PrefillLogits(adapted, Prompt)));
    }

    [Fact]
    public void Batched_prefill_with_adapters_matches_token_by_token_decode()
    {
        var model = Stories.Model;
        var adapted = model.WithAdapters(Random(model, 8, seed: 9), Random(model, 4, seed: 10, targets: [LoraTarget.V, LoraTarget.W2]));
        var decode = DecodeLogits(adapted, Prompt);
        double diff = MaxDiff(decode[^1], PrefillLogits(adapted, Prompt));
        output.WriteLine($"prefill vs decode with two adapters: {diff:E2}");
        Assert.True(diff < 1e-4, $"diff {diff}");
    }

    [Fact]
    public void Two_adapters_sum_like_one_adapter_of_their_concatenated_ranks()
    {
        var model = Stories.Model;
        int r1 = 3, r2 = 5;
        var first = Random(model, r1, seed: 21, alpha: 6f);
        var second = Random(model, r2, seed: 22, targets: [LoraTarget.Q, LoraTarget.O, LoraTarget.W3], alpha: 2f);

        // One adapter of rank r1 + r2: A stacks the two As by rows, B the two Bs by columns, each B column rescaled so that
        // (alpha/(r1+r2))·B·A = s1·B1·A1 + s2·B2·A2 — the algebra that makes summing adapters right.
        var joint = LoraAdapter.Create(model, r1 + r2, r1 + r2, All);
        foreach (var t in All)
        {
            for (int l = 0; l < model.Config.Layers; l++)
            {
                int inSize = joint.InputSize(t), outSize = joint.OutputSize(t);
                var a = joint.GetA(t, l);
                var b = joint.GetB(t, l);
                first.GetA(t, l).CopyTo(a, 0);
                if (second.Adapts(t))
                {
                    second.GetA(t, l).CopyTo(a, r1 * inSize);
                }

                for (int o = 0; o < outSize; o++)
                {
                    for (int j = 0; j < r1; j++)
                    {
                        b[(o * (r1 + r2)) + j] = first.GetB(t, l)[(o * r1) + j] * first.Scale;
                    }

                    for (int j = 0; j < r2 && second.Adapts(t); j++)
                    {
                        b[(o * (r1 + r2)) + r1 + j] = second.GetB(t, l)[(o * r2) + j] * second.Scale;
                    }
                }
            }
        }

        Assert.Equal(1f, joint.Scale);
        var summed = DecodeLogits(model.WithAdapters(first, second), Prompt);
        var concatenated = DecodeLogits(model.WithAdapters(joint), Prompt);
        double diff = MaxDiff(summed, concatenated);
        output.WriteLine($"two adapters vs their concatenation: {diff:E2} (change from base {MaxDiff(summed, DecodeLogits(model, Prompt)):F3})");
        Assert.True(diff < 1e-4, $"diff {diff}");
        Assert.True(MaxDiff(summed, DecodeLogits(model.WithAdapters(first), Prompt)) > 1e-2, "the second adapter did nothing");
        Assert.Equal(model.WithAdapters(first, second).GetFingerprint(), model.WithAdapters(second, first).GetFingerprint());
    }

    [Fact]
    public void Training_refuses_a_model_with_adapters_attached_or_merged()
    {
        var model = LlamaModel.Load(RepoPaths.StoriesModel); // its own weights: merging changes them
        var adapter = Random(model, 4, seed: 37, range: 0.1f);
        int[] tokens = [1, 2, 3, 4, 5];
        var loss = ModelHost.Training.CrossEntropyLoss.ForNextTokens(tokens, firstPosition: 0);

        // Attached: the student's passes would leave the adapter out while the model (the teacher) runs with it.
        Assert.Throws<NotSupportedException>(() => new ModelHost.Training.LlamaTrainer(model.WithAdapters(adapter)));

        // Self-study refuses when made, not after its corpus prefill and synthesis.
        var selfStudy = new ModelHost.Training.SelfStudyOptions { PrefixTokens = 4 };
        Assert.Throws<NotSupportedException>(() => new ModelHost.Training.SelfStudyTrainer(model.WithAdapters(adapter), selfStudy));

        // Merged after the trainer was made: its cached transposes are of the weights before.
        var trainer = new ModelHost.Training.LlamaTrainer(model);
        var selfStudyTrainer = new ModelHost.Training.SelfStudyTrainer(model, selfStudy);
        trainer.ComputeGradients(tokens, 0, loss);
        model.Merge(adapter);
        Assert.Throws<NotSupportedException>(() => selfStudyTrainer.Train(Stories.Tokenizer.Encode(Stories.Ball)));
        Assert.Throws<NotSupportedException>(() => trainer.ComputeGradients(tokens, 0, loss));
        Assert.Throws<NotSupportedException>(() => new ModelHost.Training.LlamaTrainer(model));
        Assert.Throws<NotSupportedException>(() => new ModelHost.Training.SelfStudyTrainer(model, selfStudy));
        model.Unmerge(adapter);
        trainer.ComputeGradients(tokens, 0, loss);
    }

    [Fact]
    public void Merged_equals_attached_and_unmerge_restores_the_base()
    {
        var model = LlamaModel.Load(RepoPaths.StoriesModel); // its own weights: merging changes them
        var adapter = Random(model, 8, seed: 31, range: 0.1f); // a trained-like size: the update is small against W
        var baseLogits = DecodeLogits(model, Prompt);
        var basePrefill = PrefillLogits(model, Prompt);
        var baseFingerprint = model.GetFingerprint();
        var attached = model.WithAdapters(adapter);
        var attachedLogits = DecodeLogits(attached, Prompt);
        var attachedFingerprint = attached.GetFingerprint();

        model.Merge(adapter);
        double merged = MaxDiff(attachedLogits, DecodeLogits(model, Prompt));
        Assert.Equal(attachedFingerprint, model.GetFingerprint());
        Assert.Equal([adapter], model.MergedAdapters);

        model.Unmerge(LoraAdapterFileRoundTrip(adapter)); // same content, another instance
        double restored = MaxDiff(baseLogits, DecodeLogits(model, Prompt));
        double restoredPrefill = MaxDiff(basePrefill, PrefillLogits(model, Prompt));
        output.WriteLine($"merged vs attached {merged:E2}; unmerged vs base {restored:E2} (prefill {restoredPrefill:E2}); attached moved the logits by {MaxDiff(baseLogits, attachedLogits):F3}");
        Assert.True(merged < 1e-4, $"merged {merged}");
        Assert.True(restored < 1e-5, $"restored {restored}");
        Assert.True(restoredPrefill < 1e-5, $"restored prefill {restoredPrefill}");
        Assert.Equal(baseFingerprint, model.GetFingerprint());
        Assert.Empty(model.MergedAdapters);
        Assert.Throws<InvalidOperationException>(() => model.Unmerge(adapter));
    }

    [Fact]
    public void An_adapter_holding_NaN_is_neither_attached_nor_merged_and_the_weights_stay_clean()
    {
        // Merged, one NaN went into the weights every view shares; unmerging "succeeded" (NaN − NaN is NaN) and left them NaN
        // for good, while the fingerprint still named the clean base.
        var model = LlamaModel.Load(RepoPaths.StoriesModel); // its own weights: a merge would change them
        var adapter = Random(model, 2, seed: 43, targets: [LoraTarget.Q], range: 0.1f);
        adapter.GetB(LoraTarget.Q, 1)[3] = float.NaN; // filled in place, past SetWeights' check
        var baseLogits = DecodeLogits(model, Prompt);

        var attach = Assert.Throws<ArgumentException>(() => model.WithAdapters(adapter));
        Assert.Contains("B of Q in layer 1", attach.Message, StringComparison.Ordinal);
        var merge = Assert.Throws<ArgumentException>(() => model.Merge(adapter));
        Assert.Contains("B of Q in layer 1", merge.Message, StringComparison.Ordinal);

        Assert.Empty(model.MergedAdapters);
        Assert.Equal(0, MaxDiff(baseLogits, DecodeLogits(model, Prompt)));
    }

    [Fact]
    public void An_adapter_whose_update_would_overflow_is_neither_attached_nor_merged_and_the_base_comes_back()
    {
        // One finite B value of 1e38: attached, every logit was NaN; merged, the weights it touched were infinite, and the
        // unmerge that followed did not give the base model back.
        var model = LlamaModel.Load(RepoPaths.StoriesModel); // its own weights: a merge would change them
        var adapter = Random(model, 2, seed: 47, targets: [LoraTarget.Q], range: 0.1f);
        adapter.GetB(LoraTarget.Q, 3)[1] = 1e38f; // filled in place, past SetWeights' check
        var baseLogits = DecodeLogits(model, Prompt);

        var attach = Assert.Throws<ArgumentException>(() => model.WithAdapters(adapter));
        Assert.Contains("B of Q in layer 3 holds 1E+38", attach.Message, StringComparison.Ordinal);
        var merge = Assert.Throws<ArgumentException>(() => model.Merge(adapter));
        Assert.Contains("B of Q in layer 3 holds 1E+38", merge.Message, StringComparison.Ordinal);

        Assert.Empty(model.MergedAdapters);
        Assert.Equal(0, MaxDiff(baseLogits, DecodeLogits(model, Prompt)));
    }

    [Fact]
    public void A_merge_that_would_leave_a_weight_that_is_not_finite_is_refused_and_changes_no_weight()
    {
        // The check runs before any row is folded: layers 0 to 3 are not changed when layer 4's row would not be finite.
        var checkpoint = Llama2cCheckpoint.Load(RepoPaths.StoriesModel);
        var config = checkpoint.Config;
        checkpoint.Weights.Wq[(4L * config.Dim * config.Dim) + 5] = float.PositiveInfinity; // a weight of Q in layer 4
        float[] before = [.. checkpoint.Weights.Wq];
        var model = new LlamaModel(config, checkpoint.Weights);
        var adapter = Random(model, 2, seed: 53, targets: [LoraTarget.Q, LoraTarget.V], range: 0.1f);

        var ex = Assert.Throws<ArgumentException>(() => model.Merge(adapter));
        Assert.Contains("Q in layer 4", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, checkpoint.Weights.Wq);
        Assert.Empty(model.MergedAdapters);
    }

    [Fact]
    public void Int8_weights_take_attached_adapters_but_refuse_merging()
    {
        var checkpoint = Llama2cCheckpoint.Load(RepoPaths.StoriesModel);
        var int8 = new LlamaModel(checkpoint.Config, checkpoint.Weights, WeightQuantization.Int8PerRow);
        var adapter = Random(Stories.Model, 4, seed: 41); // bound to the float model, which the int8 one was quantised from
        var adapted = int8.WithAdapters(adapter);
        Assert.True(MaxDiff(DecodeLogits(int8, Prompt), DecodeLogits(adapted, Prompt)) > 0.1);
        var ex = Assert.Throws<NotSupportedException>(() => int8.Merge(adapter));
        Assert.Contains("int8", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Ilgpu_backend_refuses_adapters_clearly()
    {
        using var backend = IlgpuBackend.Create("cpu");
        var checkpoint = Llama2cCheckpoint.Load(RepoPaths.StoriesModel);
        using var gpu = new LlamaModel(checkpoint.Config, checkpoint.Weights, WeightQuantization.None, backend);
        var adapter = Random(Stories.Model, 2, seed: 51);
        Assert.Contains("CPU backend only", Assert.Throws<NotSupportedException>(() => gpu.WithAdapters(adapter)).Message, StringComparison.Ordinal);
        Assert.Throws<NotSupportedException>(() => gpu.Merge(adapter));
    }

    [Fact]
    public void A_disposed_cpu_model_refuses_adapters_and_forward_passes()
    {
        // Dispose freed nothing on the CPU backend and marked nothing, so a disposed model went on merging and decoding.
        var checkpoint = Llama2cCheckpoint.Load(RepoPaths.StoriesModel);
        var model = new LlamaModel(checkpoint.Config, checkpoint.Weights);
        var adapter = Random(model, 2, seed: 53);
        model.Merge(adapter);
        model.Dispose();
        model.Dispose();
        Assert.Throws<ObjectDisposedException>(() => model.Unmerge(adapter));
        Assert.Throws<ObjectDisposedException>(() => model.Merge(adapter));
        Assert.Throws<ObjectDisposedException>(() => model.WithAdapters(adapter));
        Assert.Throws<ObjectDisposedException>(() => model.Forward(1, 0, Stories.Model.CreateCache()));
        Assert.Throws<ObjectDisposedException>(() => LoraAdapter.Create(model, 2, 16f, All));
        Assert.Single(model.MergedAdapters);
    }

    [Fact]
    public void Throughput_of_a_rank8_adapter_on_all_targets()
    {
        var model = Stories.Model;
        var adapted = model.WithAdapters(Random(model, 8, seed: 61));
        double Rate(LlamaModel m)
        {
            var cache = m.CreateCache();
            int n = Math.Min(256, m.Config.SeqLen);
            m.Forward(1, 0, cache);
            var sw = System.Diagnostics.Stopwatch.StartNew();
            for (int p = 1; p < n; p++)
            {
                m.Forward(p % 500, p, cache);
            }

            return (n - 1) / sw.Elapsed.TotalSeconds;
        }

        // Interleaved rounds, best of each: the machine is shared, and the best round is the one least disturbed.
        double plain = 0, withAdapter = 0;
        for (int round = 0; round < 6; round++)
        {
            plain = Math.Max(plain, Rate(model));
            withAdapter = Math.Max(withAdapter, Rate(adapted));
        }

        output.WriteLine($"decode (best of 6 × 255 tokens): base {plain:F0} tok/s, rank-8 adapter on all 7 targets {withAdapter:F0} tok/s ({withAdapter / plain:P0})");
        Assert.True(withAdapter > 0);
    }

    private static LoraAdapter LoraAdapterFileRoundTrip(LoraAdapter adapter)
    {
        using var stream = new MemoryStream();
        LoraAdapterFile.WriteTo(adapter, stream);
        return LoraAdapterFile.Read(stream.ToArray());
    }
}
