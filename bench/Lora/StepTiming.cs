using System.Diagnostics;
using AgentMem.ModelHost;
using AgentMem.ModelHost.Training;

namespace AgentMem.Bench;

/// <summary>
/// What one training step costs beside the inference forward pass it extends, in one run: LlamaModel.Prefill of 64 tokens
/// (the reference), the taped training forward, and forward+backward for a LoRA and for a 16-entry KV prefix.
/// </summary>
internal static class StepTiming
{
    public static string Run(LlamaModel model, int[] story)
    {
        var trainer = new LlamaTrainer(model);
        int[] tokens = story[..64];
        var loss = CrossEntropyLoss.ForNextTokens(tokens);
        var lora = LoraParameters.Create(model.Config, 4, 8f, [LoraTarget.Q, LoraTarget.V], seed: 1);
        var loraGrad = lora.CreateGradientBuffer();
        var cache = model.CreateCache();
        model.Prefill(story.AsSpan(0, 16), 0, cache);
        var prefix = KvPrefixParameters.FromCache(cache, 16);
        var prefixGrad = prefix.CreateGradientBuffer();

        var (prefillWall, prefillCpu) = Median(() => model.Prefill(tokens, 0, model.CreateCache())[0]);
        var rows = new (string Name, Func<float> Step)[]
        {
            ("training forward", () => trainer.ComputeLoss(tokens, 0, loss, lora)),
            ("forward+backward, LoRA r4 q,v", () => trainer.ComputeGradients(tokens, 0, loss, lora, loraGradients: loraGrad)),
            ("forward+backward, 16-entry prefix", () => trainer.ComputeGradients(tokens, 16, loss, prefix: prefix, prefixGradients: prefixGrad)),
        };
        var table = new System.Text.StringBuilder();
        table.AppendLine("| 64 tokens, median of 5 | wall ms | CPU ms | CPU × prefill |");
        table.AppendLine("|---|---:|---:|---:|");
        table.AppendLine(FormattableString.Invariant($"| LlamaModel.Prefill (reference) | {prefillWall:F1} | {prefillCpu:F1} | 1.0 |"));
        foreach (var (name, step) in rows)
        {
            var (wall, cpu) = Median(step);
            table.AppendLine(FormattableString.Invariant($"| {name} | {wall:F1} | {cpu:F1} | {cpu / prefillCpu:F1} |"));
        }

        return table.ToString();
    }

    // Median wall and processor time of 5 runs after a warm-up; processor time is what the step costs on a busy machine.
    private static (double Wall, double Cpu) Median(Func<float> step)
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
            if (!float.IsFinite(step()))
            {
                throw new InvalidOperationException("a step returned a non-finite value.");
            }

            wall.Add(clock.Elapsed.TotalMilliseconds);
            process.Refresh();
            cpu.Add((process.TotalProcessorTime - cpu0).TotalMilliseconds);
        }

        return (wall.Order().ElementAt(2), cpu.Order().ElementAt(2));
    }
}
