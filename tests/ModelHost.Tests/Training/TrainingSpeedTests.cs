using System.Diagnostics;
using AgentMem.ModelHost.Training;
using Xunit.Abstractions;

namespace AgentMem.ModelHost.Tests.Training;

/// <summary>How long one forward+backward step takes on stories260K (reported, not asserted: the machine is shared).</summary>
public sealed class TrainingSpeedTests
{
    private readonly ITestOutputHelper output;

    public TrainingSpeedTests(ITestOutputHelper output) => this.output = output;

    [Fact]
    public void One_step_on_stories260K_over_64_tokens()
    {
        var model = Stories.Model;
        var trainer = new LlamaTrainer(model);
        int[] story = Stories.Tokenizer.Encode(Stories.Tom);
        int[] tokens = story[..64];
        var loss = CrossEntropyLoss.ForNextTokens(tokens);
        var lora = LoraParameters.Create(model.Config, 4, 8f, [LoraTarget.Q, LoraTarget.V], seed: 1);
        var loraGrad = lora.CreateGradientBuffer();
        var cache = model.CreateCache();
        model.Prefill(story.AsSpan(0, 16), 0, cache);
        var prefix = KvPrefixParameters.FromCache(cache, 16);
        var prefixGrad = prefix.CreateGradientBuffer();

        // Median wall and processor time of 5 runs after a warm-up; processor time is what the step costs on a busy machine.
        string Median(Func<float> step)
        {
            step();
            var wall = new List<double>();
            var cpu = new List<double>();
            var process = Process.GetCurrentProcess();
            for (int i = 0; i < 5; i++)
            {
                process.Refresh();
                var cpu0 = process.TotalProcessorTime;
                var clock = Stopwatch.StartNew();
                Assert.True(float.IsFinite(step()));
                wall.Add(clock.Elapsed.TotalMilliseconds);
                process.Refresh();
                cpu.Add((process.TotalProcessorTime - cpu0).TotalMilliseconds);
            }

            return $"{wall.Order().ElementAt(2):F1} ms wall / {cpu.Order().ElementAt(2):F1} ms CPU";
        }

        string prefill = Median(() =>
        {
            var c = model.CreateCache();
            return model.Prefill(tokens, 0, c)[0];
        });
        string forward = Median(() => trainer.ComputeLoss(tokens, 0, loss, lora));
        string withLora = Median(() => trainer.ComputeGradients(tokens, 0, loss, lora, loraGradients: loraGrad));
        string withPrefix = Median(() => trainer.ComputeGradients(tokens, 16, loss, prefix: prefix, prefixGradients: prefixGrad));
        output.WriteLine($"stories260K, 64 tokens, {Environment.ProcessorCount} cores (median of 5): LlamaModel.Prefill {prefill}; "
            + $"training forward {forward}; forward+backward LoRA r4 q,v {withLora}; forward+backward 16-entry prefix {withPrefix}");
    }
}
