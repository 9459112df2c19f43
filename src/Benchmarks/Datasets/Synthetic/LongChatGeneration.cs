namespace AgentMem.Benchmarks.Datasets.Synthetic;

/// <summary>A generated dataset together with where its facts were planted.</summary>
/// <param name="Dataset">The dataset.</param>
/// <param name="Planted">Every planted sentence, in generation order.</param>
internal sealed record LongChatGeneration(BenchmarkDataset Dataset, IReadOnlyList<LongChatPlantedFact> Planted);
