using AgentMem.ModelHost.Training;

namespace AgentMem.ModelHost.Tests.Training;

/// <summary><see cref="LoraAdapterTrainer"/>, <see cref="LoraTrainingOptions"/> and the LoraParameters ↔ LoraAdapter conversion on stories260K.</summary>
public sealed class LoraAdapterTrainerTests
{
    private static readonly Lazy<LlamaModel> Model = new(() => LlamaModel.Load(RepoPaths.StoriesModel));

    [Fact]
    public void Parameters_become_an_adapter_and_back_with_the_same_weights_and_zeros_on_layers_not_trained()
    {
        var config = Model.Value.Config;
        var p = LoraParameters.Create(config, 2, 4f, [LoraTarget.V, LoraTarget.Q], seed: 3, layers: [1, 3]);
        p.B(1, LoraTarget.Q)[5] = 0.25f;
        var adapter = p.ToAdapter(Model.Value.GetFingerprint(), new Dictionary<string, string> { ["k"] = "v" }, ["m@1"]);

        Assert.Equal([LoraTarget.Q, LoraTarget.V], adapter.Targets);
        Assert.Equal(p.A(3, LoraTarget.V), adapter.GetA(LoraTarget.V, 3));
        Assert.Equal(0.25f, adapter.GetB(LoraTarget.Q, 1)[5]);
        Assert.All(adapter.GetA(LoraTarget.Q, 0), x => Assert.Equal(0f, x));
        Assert.Equal("m@1", Assert.Single(adapter.Sources));
        p.A(3, LoraTarget.V)[0] += 1f; // the adapter holds a copy
        Assert.NotEqual(p.A(3, LoraTarget.V)[0], adapter.GetA(LoraTarget.V, 3)[0]);

        var back = LoraParameters.FromAdapter(config, adapter);
        Assert.Equal(Enumerable.Range(0, config.Layers), back.Layers);
        Assert.Equal(adapter.GetB(LoraTarget.Q, 1), back.B(1, LoraTarget.Q));
        Assert.Equal(adapter.Alpha, back.Alpha);
    }

    [Fact]
    public void Training_records_the_recipe_and_the_adapted_model_matches_the_trainer()
    {
        var model = Model.Value;
        int[] tokens = [1, 403, 407, 261, 378, 395, 30, 1161 % 512, 280, 365];
        var options = new LoraTrainingOptions { Rank = 2, Alpha = 2f, Targets = [LoraTarget.V], Optimizer = LoraTrainingOptions.DefaultOptimizer with { Steps = 3, WarmupSteps = 1 }, Seed = 5, SequenceLength = 6, Batch = 2 };
        var reports = new List<TrainingProgress>();
        var adapter = LoraAdapterTrainer.Train(model, [tokens], options, ["a@2"], new SynchronousProgress<TrainingProgress>(reports.Add));

        Assert.Equal(3, reports.Count(p => p.Phase == TrainingPhase.Steps));
        Assert.Equal(2, reports.Count(p => p.Phase == TrainingPhase.FinalLoss)); // one per window after the steps
        Assert.Equal("3", adapter.Metadata["steps"]);
        Assert.Equal("v", adapter.Metadata["targets"]);
        Assert.Equal("2", adapter.Metadata["rank"]);
        Assert.Equal("5", adapter.Metadata["seed"]);
        Assert.Equal("10", adapter.Metadata["tokens"]);
        Assert.Equal("2", adapter.Metadata["windows"]);
        Assert.True(float.Parse(adapter.Metadata["final_loss"], System.Globalization.CultureInfo.InvariantCulture) > 0f);
        Assert.Equal("a@2", Assert.Single(adapter.Sources));
        Assert.Contains(adapter.GetB(LoraTarget.V, 0), x => x != 0f);

        // The inference path with the adapter attached computes what the trainer computes with the same pairs.
        var trainer = new LlamaTrainer(model);
        var expected = trainer.Logits(tokens, 0, LoraParameters.FromAdapter(model.Config, adapter));
        var adapted = model.WithAdapters(adapter);
        var cache = adapted.CreateCache();
        for (int t = 0; t < tokens.Length; t++)
        {
            var logits = adapted.Forward(tokens[t], t, cache);
            for (int v = 0; v < logits.Length; v++)
            {
                Assert.Equal(expected[(t * logits.Length) + v], logits[v], 1e-3f);
            }
        }
    }

    [Fact]
    public void A_step_is_the_token_mean_over_its_batch_so_a_short_tail_window_weighs_per_token()
    {
        // 9 tokens in windows of 8: one of 7 targets and a tail of 1. Each of the 8 targets weighs 1/8, as in final_loss.
        var model = Model.Value;
        int[] tokens = [1, 403, 407, 261, 378, 395, 30, 280, 365];
        var options = new LoraTrainingOptions { Rank = 2, Alpha = 2f, Targets = [LoraTarget.V], Optimizer = LoraTrainingOptions.DefaultOptimizer with { Steps = 1, WarmupSteps = 0 }, Seed = 5, SequenceLength = 8, Batch = 2 };
        var reports = new List<TrainingProgress>();
        var adapter = LoraAdapterTrainer.Train(model, [tokens], options, progress: new SynchronousProgress<TrainingProgress>(reports.Add));
        Assert.Equal("2", adapter.Metadata["windows"]);

        // The same step by hand, from the same initial pairs: each window's mean loss and gradient times its share of the targets.
        var trainer = new LlamaTrainer(model);
        var lora = LoraParameters.Create(model.Config, options.Rank, options.Alpha, options.Targets, options.Seed);
        var expected = lora.CreateGradientBuffer();
        float loss = 0f;
        foreach (var (window, share) in new[] { (tokens[..8], 7f / 8), (tokens[7..], 1f / 8) })
        {
            var gradients = lora.CreateGradientBuffer();
            loss += share * trainer.ComputeGradients(window, 0, CrossEntropyLoss.ForNextTokens(window), lora, loraGradients: gradients);
            for (int i = 0; i < gradients.Tensors.Count; i++)
            {
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(gradients.Tensors[i], share, expected.Tensors[i], expected.Tensors[i]);
            }
        }

        var report = Assert.Single(reports, p => p.Phase == TrainingPhase.Steps);
        Assert.Equal(loss, report.Loss, 1e-5f);
        float norm = GradientClipping.GlobalNorm(expected.Tensors);
        Assert.Equal(norm, report.GradientNorm, norm * 1e-5f);
    }

    [Fact]
    public void A_batch_larger_than_the_data_trains_each_step_on_every_window_once_and_records_the_batch_used()
    {
        // 3 windows, batch 5: each step holds the three once (not a window twice to make up five), and the recipe says 3.
        var model = Model.Value;
        int[] tokens = [1, 403, 407, 261, 378, 395, 30, 280, 365, 42];
        var options = new LoraTrainingOptions { Rank = 2, Alpha = 2f, Targets = [LoraTarget.V], Optimizer = LoraTrainingOptions.DefaultOptimizer with { Steps = 1, WarmupSteps = 0 }, Seed = 5, SequenceLength = 4, Batch = 5 };
        var reports = new List<TrainingProgress>();
        var adapter = LoraAdapterTrainer.Train(model, [tokens], options, progress: new SynchronousProgress<TrainingProgress>(reports.Add));
        Assert.Equal("3", adapter.Metadata["windows"]);
        Assert.Equal("3", adapter.Metadata["batch"]);

        // B starts at zero, so the first step's loss is the base model's token mean over all the data, each window once.
        var trainer = new LlamaTrainer(model);
        double sum = 0;
        foreach (var window in new[] { tokens[..4], tokens[3..7], tokens[6..] })
        {
            sum += (double)trainer.ComputeLoss(window, 0, CrossEntropyLoss.ForNextTokens(window)) * (window.Length - 1);
        }

        Assert.Equal((float)(sum / 9), Assert.Single(reports, p => p.Phase == TrainingPhase.Steps).Loss, 1e-5f);
    }

    [Fact]
    public void The_default_window_is_the_model_context_at_most_512_tokens()
    {
        // A 4,096-position model trained with the defaults: 512-token windows, not the whole context (the activations grow with
        // the window's square: 8,192 tokens of SmolLM2-135M needed about 80 GB). stories260K's context is 512: unchanged there.
        var config = new LlamaConfig(TinyHf.Dim, TinyHf.Hidden, TinyHf.Layers, TinyHf.Heads, TinyHf.KvHeads, TinyHf.Vocab, 4096, SharedClassifier: true);
        var model = new LlamaModel(config, TinyHf.Weights(config, seed: 2));
        int[] tokens = [.. Enumerable.Range(0, 1000).Select(i => (i * 7) % TinyHf.Vocab)];
        var options = new LoraTrainingOptions { Optimizer = LoraTrainingOptions.DefaultOptimizer with { Steps = 1, WarmupSteps = 0 } };
        var adapter = LoraAdapterTrainer.Train(model, [tokens], options);
        Assert.Equal("512", adapter.Metadata["sequence_length"]);
        Assert.Equal("2", adapter.Metadata["windows"]); // tokens 0..511 and 511..999
        Assert.Equal(512, Model.Value.Config.SeqLen);
    }

    [Fact]
    public void A_model_context_of_one_token_is_refused_as_it_cannot_hold_a_next_token_target()
    {
        // The default window is the model's context: 1 token here. Windows advanced by window − 1 = 0 tokens, so cutting the
        // data added one-token windows until the process ran out of memory.
        var config = TinyTrainingModel.Config() with { SeqLen = 1 };
        var model = new LlamaModel(config, TinyTrainingModel.Weights(config));
        var e = Assert.Throws<ArgumentException>(() => LoraAdapterTrainer.Train(model, [[1, 2, 3]], new LoraTrainingOptions()));
        Assert.Equal("options", e.ParamName);
        Assert.Contains("context of 1 token", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cancel_during_the_last_step_stops_the_final_loss_pass_too()
    {
        // The final loss runs a forward pass per window after the last step: a cancel there used to be ignored.
        using var cts = new CancellationTokenSource();
        var windows = Enumerable.Range(0, 8).Select(i => (IReadOnlyList<int>)[1, 2 + i, 3, 4 + i]).ToList();
        var options = new LoraTrainingOptions { Optimizer = LoraTrainingOptions.DefaultOptimizer with { Steps = 2, WarmupSteps = 0 } };
        var progress = new SynchronousProgress<TrainingProgress>(p =>
        {
            if (p.Step == p.TotalSteps)
            {
                cts.Cancel();
            }
        });
        Assert.Throws<OperationCanceledException>(() => LoraAdapterTrainer.Train(Model.Value, windows, options, progress: progress, cancellationToken: cts.Token));
    }

    [Fact]
    public void The_final_loss_pass_reports_each_window_as_its_own_phase_and_stops_when_cancelled()
    {
        // final_loss runs a forward pass per window over all the data after the last step: on a large cube far longer than
        // the steps (3,000 memories: 186 s after 11 s of steps), and it reported nothing, so the CLI and the scheduler sat
        // silent after "step N/N".
        var sequences = Enumerable.Range(0, 12).Select(i => (IReadOnlyList<int>)[1, 2 + i, 3, 4 + i]).ToList();
        var options = new LoraTrainingOptions { Optimizer = LoraTrainingOptions.DefaultOptimizer with { Steps = 2, WarmupSteps = 0 } };
        var reports = new List<TrainingProgress>();
        var adapter = LoraAdapterTrainer.Train(Model.Value, sequences, options, progress: new SynchronousProgress<TrainingProgress>(reports.Add));

        Assert.Equal([1, 2], reports.TakeWhile(p => p.Phase == TrainingPhase.Steps).Select(p => p.Step));
        var final = reports.Skip(2).ToList();
        Assert.All(final, p => Assert.Equal(TrainingPhase.FinalLoss, p.Phase));
        Assert.Equal(Enumerable.Range(1, 12), final.Select(p => p.Step));
        Assert.All(final, p => Assert.Equal(12, p.TotalSteps));
        Assert.Equal(double.Parse(adapter.Metadata["final_loss"], System.Globalization.CultureInfo.InvariantCulture), final[^1].Loss, 1e-5);

        // A cancel seen in the pass stops it at the next window.
        using var cts = new CancellationTokenSource();
        var seen = new List<TrainingProgress>();
        var cancelling = new SynchronousProgress<TrainingProgress>(p =>
        {
            seen.Add(p);
            if (p.Phase == TrainingPhase.FinalLoss && p.Step == 3)
            {
                cts.Cancel();
            }
        });
        Assert.Throws<OperationCanceledException>(() => LoraAdapterTrainer.Train(Model.Value, sequences, options, progress: cancelling, cancellationToken: cts.Token));
        Assert.Equal(3, seen[^1].Step);
        Assert.Equal(TrainingPhase.FinalLoss, seen[^1].Phase);
    }

    [Theory]
    [InlineData(3)] // a loss is NaN during the steps
    [InlineData(1)] // the one step leaves values beyond what an adapter holds
    public void A_learning_rate_that_makes_the_training_diverge_is_a_divergence_naming_its_step(int steps)
    {
        int[] tokens = [1, 403, 407, 261, 378, 395, 30, 280, 365];
        var options = new LoraTrainingOptions { Rank = 2, Targets = [LoraTarget.Q, LoraTarget.V], Optimizer = LoraTrainingOptions.DefaultOptimizer with { Steps = steps, WarmupSteps = 0, LearningRate = 1e30f }, SequenceLength = 8 };
        var ex = Assert.Throws<TrainingDivergedException>(() => LoraAdapterTrainer.Train(Model.Value, [tokens], options));
        Assert.InRange(ex.Step, 1, steps);
        Assert.StartsWith("training diverged ", ex.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<ArithmeticException>(ex); // what the loop threw before, for callers that catch that
    }

    [Theory]
    [InlineData(4, 40_000f, true)]
    [InlineData(4, 40_004f, false)]
    public void Validate_bounds_the_scale_alpha_over_rank(int rank, float alpha, bool valid)
    {
        // An adapter refuses a scale beyond LoraAdapter.MaxMagnitude: refused before training, not by the adapter after it.
        var o = new LoraTrainingOptions { Rank = rank, Alpha = alpha };
        if (valid)
        {
            o.Validate();
        }
        else
        {
            Assert.Equal("alpha / rank (the update's scale) must be at most 10000; got 40004 / 4.", Assert.Throws<ArgumentException>(o.Validate).Message);
        }
    }

    [Fact]
    public void Training_stops_when_cancelled()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => LoraAdapterTrainer.Train(Model.Value, [[1, 2, 3]], new LoraTrainingOptions(), cancellationToken: cts.Token));
    }

    [Theory]
    [InlineData("rank", "rank must be between 1 and 4096; got 0.")]
    [InlineData("alpha", "alpha must be a positive number; got -1.")]
    [InlineData("targets", "give at least one LoRA target (q, k, v, o, w1, w2, w3).")]
    [InlineData("batch", "the batch must be at least one sequence per step; got 0.")]
    [InlineData("window", "the sequence length must be 0 (the model's context, at most 512) or at least 2 tokens; got 1.")]
    public void Validate_names_the_setting_out_of_range(string setting, string message)
    {
        var o = new LoraTrainingOptions();
        o = setting switch
        {
            "rank" => o with { Rank = 0 },
            "alpha" => o with { Alpha = -1f },
            "targets" => o with { Targets = [] },
            "batch" => o with { Batch = 0 },
            _ => o with { SequenceLength = 1 },
        };
        Assert.Equal(message, Assert.Throws<ArgumentException>(o.Validate).Message);
    }

    [Theory]
    [InlineData("Steps", "Steps must be positive; got 0. (Parameter 'Steps')")]
    [InlineData("LearningRate", "LearningRate must be a positive number; got NaN. (Parameter 'LearningRate')")]
    [InlineData("WarmupSteps", "WarmupSteps must be between 0 and 60; got 61. (Parameter 'WarmupSteps')")]
    [InlineData("WeightDecay", "WeightDecay must be a finite number, zero or more; got -1. (Parameter 'WeightDecay')")]
    [InlineData("MaxGradientNorm", "MaxGradientNorm must be a positive number; got 0. (Parameter 'MaxGradientNorm')")]
    public void Validate_names_the_optimiser_setting_out_of_range(string setting, string message)
    {
        var d = LoraTrainingOptions.DefaultOptimizer;
        var o = new LoraTrainingOptions
        {
            Optimizer = setting switch
            {
                "Steps" => d with { Steps = 0 },
                "LearningRate" => d with { LearningRate = float.NaN },
                "WarmupSteps" => d with { WarmupSteps = 61 },
                "WeightDecay" => d with { WeightDecay = -1f },
                _ => d with { MaxGradientNorm = 0f },
            },
        };
        var e = Assert.Throws<ArgumentOutOfRangeException>(o.Validate);
        Assert.Equal(setting, e.ParamName);
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Data_without_a_next_token_or_outside_the_vocabulary_is_refused()
    {
        Assert.Contains("two tokens", Assert.Throws<ArgumentException>(() => LoraAdapterTrainer.Train(Model.Value, [[1]], new LoraTrainingOptions())).Message, StringComparison.Ordinal);
        Assert.Contains("outside the model's vocabulary", Assert.Throws<ArgumentException>(() => LoraAdapterTrainer.Train(Model.Value, [[1, 512]], new LoraTrainingOptions())).Message, StringComparison.Ordinal);
    }
}
