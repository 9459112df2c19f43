namespace AgentMem.Retrieval.Tests.State;

/// <summary>
/// Tests that measure the process-wide managed heap run alone: other test classes allocating in parallel
/// would be counted as the measured component's growth.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeapMeasuringCollection
{
    public const string Name = "heap-measuring";
}
