using AgentMem.Retrieval.Hybrid;

namespace AgentMem.Benchmarks.Workload;

/// <summary>One configuration of the hybrid retriever that the workload benchmark measures, by name.</summary>
/// <param name="Name">Row label in the report (<c>default</c>, <c>full-rebuild</c>).</param>
/// <param name="RebuildOnWrite">Whether the engine is the full-rebuild reference (<see cref="HybridOptions.RebuildOnWrite"/>).</param>
public sealed record WorkloadEngine(string Name, bool RebuildOnWrite)
{
    /// <summary>The hybrid retriever with its defaults: the engine users get.</summary>
    public static WorkloadEngine Default { get; } = new("default", RebuildOnWrite: false);

    /// <summary>The pre-incremental engine, measured beside the default as the reference.</summary>
    public static WorkloadEngine FullRebuild { get; } = new("full-rebuild", RebuildOnWrite: true);

    /// <summary>
    /// The options the host composes the hybrid retriever with. Built fresh each time so that the benchmark measures the
    /// defaults of the code under test, whatever they become, and changes only the engine switch.
    /// </summary>
    /// <returns>New options.</returns>
    public HybridOptions CreateHybridOptions() => new() { RebuildOnWrite = RebuildOnWrite };
}
