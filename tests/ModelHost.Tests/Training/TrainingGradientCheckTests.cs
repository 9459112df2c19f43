using AgentMem.ModelHost.Training;
using Xunit.Abstractions;

namespace AgentMem.ModelHost.Tests.Training;

/// <summary>
/// The Done-when: on a tiny random model, every trainable tensor's analytic gradient matches central finite
/// differences. Checked in double precision (the graph is generic; float differences would be noise-bound), relative
/// error ‖a − n‖ / (‖a‖ + ‖n‖) per tensor, bound 1e-3.
/// </summary>
public sealed class TrainingGradientCheckTests
{
    private const double Bound = 1e-3;
    private const double Step = 1e-5;
    private const int Positions = 6, PrefixLength = 3, Start = 4;

    private readonly ITestOutputHelper output;

    public TrainingGradientCheckTests(ITestOutputHelper output) => this.output = output;

    public static TheoryData<RopeStyle, bool, bool> Models => new()
    {
        { RopeStyle.Interleaved, true, false },
        { RopeStyle.Interleaved, false, false },
        { RopeStyle.Half, true, false },
        { RopeStyle.Half, false, true },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void LoRA_gradients_match_finite_differences(RopeStyle rope, bool tied, bool bias)
    {
        var (config, graph) = Build(rope, tied, bias);
        var lora = new LoraSet<double>(config, 2, 1.5);
        var gradients = new LoraSet<double>(config, 2, 1.5);
        var random = new Random(11);
        var tensors = new List<(string Kind, double[] Value, double[] Gradient)>();
        for (int l = 0; l < config.Layers; l++)
        {
            foreach (var target in Enum.GetValues<LoraTarget>())
            {
                lora.Add(l, target);
                gradients.Add(l, target);

                // B random as well as A: with B = 0 (LoRA's start) A's gradient would be zero and check nothing.
                Fill(lora.A(l, target)!, random, 0.3);
                Fill(lora.B(l, target)!, random, 0.3);
                tensors.Add(($"A.{target}", lora.A(l, target)!, gradients.A(l, target)!));
                tensors.Add(($"B.{target}", lora.B(l, target)!, gradients.B(l, target)!));
            }
        }

        Check(config, graph, lora, gradients, null, null, tensors);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void KV_prefix_gradients_match_finite_differences(RopeStyle rope, bool tied, bool bias)
    {
        var (config, graph) = Build(rope, tied, bias);
        var prefix = new PrefixSet<double>(config, PrefixLength);
        var gradients = new PrefixSet<double>(config, PrefixLength);
        var random = new Random(12);
        var tensors = new List<(string Kind, double[] Value, double[] Gradient)>();
        for (int l = 0; l < config.Layers; l++)
        {
            Fill(prefix.Keys[l], random, 1.0);
            Fill(prefix.Values[l], random, 1.0);
            tensors.Add(("prefix keys", prefix.Keys[l], gradients.Keys[l]));
            tensors.Add(("prefix values", prefix.Values[l], gradients.Values[l]));
        }

        // A small LoRA rides along without gradients, so the prefix is checked through an adapted model too.
        var lora = new LoraSet<double>(config, 1, 2.0);
        lora.Add(0, LoraTarget.V);
        Fill(lora.A(0, LoraTarget.V)!, random, 0.3);
        Fill(lora.B(0, LoraTarget.V)!, random, 0.3);
        Check(config, graph, lora, null, prefix, gradients, tensors);
    }

    [Fact]
    public void Float_gradients_through_the_public_trainer_agree_with_the_double_graph()
    {
        var config = TinyTrainingModel.Config(RopeStyle.Half, tied: false);
        var weights = TinyTrainingModel.Weights(config);
        int[] tokens = TinyTrainingModel.Tokens(Positions, seed: 5);
        var lora = LoraParameters.Create(config, 2, 4f, [LoraTarget.Q, LoraTarget.O, LoraTarget.W2], seed: 3);
        var random = new Random(14);
        foreach (var b in lora.Tensors.Where((_, i) => i % 2 == 1))
        {
            for (int i = 0; i < b.Length; i++)
            {
                b[i] = (float)(random.NextDouble() - 0.5);
            }
        }

        var prefix = new KvPrefixParameters(config, PrefixLength);
        foreach (var t in prefix.Tensors)
        {
            for (int i = 0; i < t.Length; i++)
            {
                t[i] = (float)((random.NextDouble() * 2) - 1);
            }
        }

        var loss = CrossEntropyLoss.ForNextTokens(tokens);
        var loraGrad = lora.CreateGradientBuffer();
        var prefixGrad = prefix.CreateGradientBuffer();
        float value = new LlamaTrainer(config, weights).ComputeGradients(tokens, Start, loss, lora, prefix, loraGrad, prefixGrad);

        // The same parameters in double.
        var dLora = new LoraSet<double>(config, 2, 2.0);
        var dPrefix = new PrefixSet<double>(config, PrefixLength);
        var dLoraGrad = new LoraSet<double>(config, 2, 2.0);
        var dPrefixGrad = new PrefixSet<double>(config, PrefixLength);
        var pairs = new List<(float[] Grad, double[] DoubleGrad)>();
        for (int l = 0; l < config.Layers; l++)
        {
            foreach (var target in lora.Targets)
            {
                dLora.Add(l, target);
                dLoraGrad.Add(l, target);
                Copy(lora.A(l, target), dLora.A(l, target)!);
                Copy(lora.B(l, target), dLora.B(l, target)!);
                pairs.Add((loraGrad.A(l, target), dLoraGrad.A(l, target)!));
                pairs.Add((loraGrad.B(l, target), dLoraGrad.B(l, target)!));
            }

            Copy(prefix.Keys(l), dPrefix.Keys[l]);
            Copy(prefix.Values(l), dPrefix.Values[l]);
            pairs.Add((prefixGrad.Keys(l), dPrefixGrad.Keys[l]));
            pairs.Add((prefixGrad.Values(l), dPrefixGrad.Values[l]));
        }

        var graph = new TrainingGraph<double>(ModelTensors<double>.From(config, weights));
        var logits = graph.Forward(tokens, Start, dLora, dPrefix);
        var dLogits = new double[logits.Length];
        double expected = loss.Evaluate<double>(logits, Positions, config.VocabSize, dLogits);
        graph.Backward(dLogits, dLoraGrad, dPrefixGrad);

        Assert.Equal(expected, value, 1e-5);
        double worst = pairs.Max(p => RelativeError([.. p.Grad.Select(x => (double)x)], p.DoubleGrad));
        output.WriteLine($"float vs double: loss {value} vs {expected}, worst tensor relative error {worst:E2}");
        Assert.True(worst < 1e-4, $"worst {worst}");

        static void Copy(float[] from, double[] to)
        {
            for (int i = 0; i < from.Length; i++)
            {
                to[i] = from[i];
            }
        }
    }

    [Fact]
    public void Gradients_on_stories260K_match_finite_differences_at_sampled_coordinates()
    {
        // Big enough for the parallel kernels (projections, attention over KV heads) that the tiny model never reaches.
        var model = Stories.Model;
        var config = model.Config;
        var graph = new TrainingGraph<double>(ModelTensors<double>.From(config, model.Weights));
        int[] story = Stories.Tokenizer.Encode(Stories.Lily);
        int[] context = story[..8], tokens = story[8..32];
        var cache = model.CreateCache();
        model.Prefill(context, 0, cache);
        var floatPrefix = KvPrefixParameters.FromCache(cache, context.Length);
        var prefix = new PrefixSet<double>(config, context.Length);
        var prefixGrad = new PrefixSet<double>(config, context.Length);
        var lora = new LoraSet<double>(config, 2, 1.0);
        var loraGrad = new LoraSet<double>(config, 2, 1.0);
        var random = new Random(21);
        var tensors = new List<(string Kind, double[] Value, double[] Gradient)>();
        for (int l = 0; l < config.Layers; l++)
        {
            for (int i = 0; i < prefix.Keys[l].Length; i++)
            {
                (prefix.Keys[l][i], prefix.Values[l][i]) = (floatPrefix.Keys(l)[i], floatPrefix.Values(l)[i]);
            }

            tensors.Add(("prefix keys", prefix.Keys[l], prefixGrad.Keys[l]));
            tensors.Add(("prefix values", prefix.Values[l], prefixGrad.Values[l]));
            foreach (var target in new[] { LoraTarget.Q, LoraTarget.W2 })
            {
                lora.Add(l, target);
                loraGrad.Add(l, target);
                Fill(lora.A(l, target)!, random, 0.1);
                Fill(lora.B(l, target)!, random, 0.1);
                tensors.Add(($"A.{target}", lora.A(l, target)!, loraGrad.A(l, target)!));
                tensors.Add(($"B.{target}", lora.B(l, target)!, loraGrad.B(l, target)!));
            }
        }

        var loss = CrossEntropyLoss.ForNextTokens(tokens);
        var logits = graph.Forward(tokens, context.Length, lora, prefix);
        var dLogits = new double[logits.Length];
        loss.Evaluate<double>(logits, tokens.Length, config.VocabSize, dLogits);
        graph.Backward(dLogits, loraGrad, prefixGrad);

        double Loss() => loss.Evaluate<double>(graph.Forward(tokens, context.Length, lora, prefix), tokens.Length, config.VocabSize, new double[dLogits.Length]);
        var analytic = new List<double>();
        var numeric = new List<double>();
        foreach (var (kind, value, gradient) in tensors.Where((_, i) => i % 3 == 0))
        {
            for (int k = 0; k < 3; k++)
            {
                int i = random.Next(value.Length);
                double saved = value[i];
                value[i] = saved + Step;
                double plus = Loss();
                value[i] = saved - Step;
                double minus = Loss();
                value[i] = saved;
                analytic.Add(gradient[i]);
                numeric.Add((plus - minus) / (2 * Step));
            }
        }

        double error = RelativeError([.. analytic], [.. numeric]);
        output.WriteLine($"stories260K: {analytic.Count} sampled coordinates, relative error {error:E2}");
        Assert.True(error <= Bound, $"relative error {error}");
    }

    private void Check(LlamaConfig config, TrainingGraph<double> graph, LoraSet<double> lora, LoraSet<double>? loraGrad, PrefixSet<double>? prefix, PrefixSet<double>? prefixGrad, List<(string Kind, double[] Value, double[] Gradient)> tensors)
    {
        int[] tokens = TinyTrainingModel.Tokens(Positions, seed: 5);
        var teacher = new float[Positions * config.VocabSize];
        var random = new Random(13);
        for (int i = 0; i < teacher.Length; i++)
        {
            teacher[i] = (float)(random.NextDouble() * 4);
        }

        var losses = new (string Name, TrainingLoss Loss)[]
        {
            ("cross-entropy", new CrossEntropyLoss([3, -1, 7, 0, 23, 11])),
            ("KL", KlDivergenceLoss.FromLogits(teacher, config.VocabSize, firstPosition: 1)),
        };

        foreach (var (name, loss) in losses)
        {
            foreach (var t in tensors)
            {
                Array.Clear(t.Gradient);
            }

            double Loss()
            {
                var logits = graph.Forward(tokens, Start, lora, prefix);
                return loss.Evaluate<double>(logits, Positions, config.VocabSize, new double[logits.Length]);
            }

            var logits = graph.Forward(tokens, Start, lora, prefix);
            var dLogits = new double[logits.Length];
            loss.Evaluate<double>(logits, Positions, config.VocabSize, dLogits);
            graph.Backward(dLogits, loraGrad, prefixGrad);

            var worst = new Dictionary<string, double>();
            foreach (var (kind, value, gradient) in tensors)
            {
                var numeric = new double[value.Length];
                for (int i = 0; i < value.Length; i++)
                {
                    double saved = value[i];
                    value[i] = saved + Step;
                    double plus = Loss();
                    value[i] = saved - Step;
                    double minus = Loss();
                    value[i] = saved;
                    numeric[i] = (plus - minus) / (2 * Step);
                }

                double error = RelativeError(gradient, numeric);
                worst[kind] = Math.Max(worst.GetValueOrDefault(kind), error);
                Assert.True(Norm(numeric) > 1e-8, $"{name}: {kind} has no gradient to check");
                Assert.True(error <= Bound, $"{name}: {kind} relative error {error:E3}");
            }

            output.WriteLine($"{config.RopeStyle}, tied {config.SharedClassifier}, bias {config.QkvBias}, {name}: "
                + string.Join(", ", worst.Select(kv => $"{kv.Key} {kv.Value:E1}")));
        }
    }

    private static (LlamaConfig Config, TrainingGraph<double> Graph) Build(RopeStyle rope, bool tied, bool bias)
    {
        var config = TinyTrainingModel.Config(rope, tied, bias);
        return (config, new TrainingGraph<double>(ModelTensors<double>.From(config, TinyTrainingModel.Weights(config))));
    }

    private static void Fill(double[] values, Random random, double bound)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = ((random.NextDouble() * 2) - 1) * bound;
        }
    }

    private static double Norm(double[] v) => Math.Sqrt(v.Sum(x => x * x));

    private static double RelativeError(double[] analytic, double[] numeric)
    {
        double diff = Math.Sqrt(analytic.Zip(numeric, (a, n) => (a - n) * (a - n)).Sum());
        return diff / Math.Max(Norm(analytic) + Norm(numeric), 1e-30);
    }
}
