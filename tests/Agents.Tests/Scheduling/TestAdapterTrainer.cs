using AgentMem.Agents.Scheduling;
using AgentMem.ModelHost;
using AgentMem.ModelHost.Training;
using AdapterTarget = AgentMem.ModelHost.LoraTarget;
using TrainingTarget = AgentMem.ModelHost.Training.LoraTarget;

namespace AgentMem.Agents.Tests.Scheduling;

/// <summary>
/// A tiny real trainer on stories260K for the scheduler's tests: rank-2 LoRA on Q and V, a handful of AdamW steps of next-token
/// cross-entropy on the texts joined as one sequence (LlamaTrainer, TrainingLoop), copied into a <see cref="LoraAdapter"/>. The
/// production trainer is wired separately; this one only has to make a genuine adapter quickly.
/// </summary>
internal sealed class TestAdapterTrainer : IAdapterTrainer
{
    private const int Rank = 2;
    private const float Alpha = 4f;

    public List<(IReadOnlyList<string> Texts, float[] Losses)> Calls { get; } = [];

    public Task<LoraAdapter> TrainAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        var model = Stories.Model;
        int[] tokens = Stories.Tokenizer.EncodeToIds(string.Join("\n", texts), bos: true);
        var trainer = new LlamaTrainer(model);
        var loss = CrossEntropyLoss.ForNextTokens(tokens);
        var lora = LoraParameters.Create(model.Config, Rank, Alpha, [TrainingTarget.Q, TrainingTarget.V], seed: 1);
        var gradients = lora.CreateGradientBuffer();
        float[] losses = TrainingLoop.Run(
            () => trainer.ComputeGradients(tokens, 0, loss, lora, loraGradients: gradients),
            gradients.Tensors,
            new AdamW(lora.Tensors),
            new CosineSchedule(3e-2f, warmupSteps: 1, totalSteps: 6),
            maxGradientNorm: 1f,
            cancellationToken: cancellationToken);
        Calls.Add((texts, losses));

        var adapter = LoraAdapter.Create(model, Rank, Alpha, [AdapterTarget.Q, AdapterTarget.V], new Dictionary<string, string> { ["steps"] = "6" });
        foreach (int layer in lora.Layers)
        {
            adapter.SetWeights(AdapterTarget.Q, layer, lora.A(layer, TrainingTarget.Q), lora.B(layer, TrainingTarget.Q));
            adapter.SetWeights(AdapterTarget.V, layer, lora.A(layer, TrainingTarget.V), lora.B(layer, TrainingTarget.V));
        }

        return Task.FromResult(adapter);
    }
}
