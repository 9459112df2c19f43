namespace AgentMem.Benchmarks.Workload;

/// <summary>How the background embedding queue caught up after the cube grew to a size.</summary>
/// <param name="AfterLastWriteMs">From the last write of the growth until no memory waited for a vector.</param>
/// <param name="SinceGrowthStartMs">From the first write of the growth until then: the vectors' lag behind a burst of writes.</param>
/// <param name="Embedded">Memories the queue embedded since the growth began.</param>
public sealed record EmbeddingDrain(double AfterLastWriteMs, double SinceGrowthStartMs, long Embedded)
{
    /// <summary>Embedded memories per second over the growth and the drain together.</summary>
    public double PerSecond => SinceGrowthStartMs > 0 ? Embedded / (SinceGrowthStartMs / 1000) : 0;
}
