using AgentMem.Benchmarks.Datasets;

namespace AgentMem.Benchmarks.Tests;

/// <summary>Each shared dataset loaded once per test run.</summary>
internal static class SharedDatasets
{
    private static readonly Lazy<BenchmarkDataset> LocomoValue = new(() => LocomoLoader.Load(RepoPaths.Locomo));

    public static BenchmarkDataset Locomo => LocomoValue.Value;
}
