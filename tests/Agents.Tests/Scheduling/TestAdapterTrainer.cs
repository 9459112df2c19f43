using AgentMem.Agents.Scheduling;
using AgentMem.ModelHost;
using AgentMem.ModelHost.Training;

namespace AgentMem.Agents.Tests.Scheduling;

/// <summary>
/// The production <see cref="LoraTextTrainer"/> on stories260K with a tiny recipe (rank 2 on Q and V, 6 AdamW steps), recording
/// each call's texts and per-step losses so the tests can check what it trained on and that the loss fell.
/// </summary>
internal sealed class TestAdapterTrainer : IAdapterTrainer
{
    private static readonly LoraTrainingOptions Recipe = new() { Rank = 2, Alpha = 4f, Targets = [LoraTarget.Q, LoraTarget.V], Optimizer = LoraTrainingOptions.DefaultOptimizer with { Steps = 6, LearningRate = 3e-2f, WarmupSteps = 1 }, Seed = 1 };

    public List<(IReadOnlyList<string> Texts, float[] Losses)> Calls { get; } = [];

    public async Task<LoraAdapter> TrainAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        var losses = new List<float>();
        var trainer = new LoraTextTrainer(Stories.Model, Stories.Tokenizer, Recipe) { Progress = new SynchronousProgress<TrainingProgress>(p =>
        {
            if (p.Phase == TrainingPhase.Steps)
            {
                losses.Add(p.Loss);
            }
        }) };
        var adapter = await trainer.TrainAsync(texts, cancellationToken);
        Calls.Add((texts, losses.ToArray()));
        return adapter;
    }
}
