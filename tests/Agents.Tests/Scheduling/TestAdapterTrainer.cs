using AgentMem.Agents.Scheduling;
using AgentMem.ModelHost;

namespace AgentMem.Agents.Tests.Scheduling;

/// <summary>
/// Plumbing stand-in for a real trainer: a rank-2 Q/V adapter on stories260K whose weights are a deterministic function of the
/// texts (so different sets give different adapters and ids). No gradient steps: these tests check where adapters go, not what
/// they learned.
/// </summary>
internal sealed class TestAdapterTrainer : IAdapterTrainer
{
    public List<IReadOnlyList<string>> Calls { get; } = [];

    public Task<LoraAdapter> TrainAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        Calls.Add(texts);
        int seed = texts.Sum(t => t.Length);
        var adapter = LoraAdapter.Create(Stories.Model, 2, 4f, [LoraTarget.Q, LoraTarget.V], new Dictionary<string, string> { ["trainer"] = "test" });
        for (int l = 0; l < adapter.Layers; l++)
        {
            float[] a = [.. Enumerable.Range(0, 2 * adapter.Dim).Select(i => MathF.Sin(i + l + seed) * 0.1f)];
            adapter.SetWeights(LoraTarget.Q, l, a, [.. Enumerable.Range(0, 2 * adapter.Dim).Select(i => MathF.Cos(i + seed) * 0.1f)]);
            adapter.SetWeights(LoraTarget.V, l, a, [.. Enumerable.Range(0, 2 * adapter.KvDim).Select(i => MathF.Cos((i * 3) + seed) * 0.1f)]);
        }

        return Task.FromResult(adapter);
    }
}
