namespace AgentMem.Benchmarks.Workload;

/// <summary>One engine at one cube size: the measured add-then-search loop, steady searches, a cold start and memory growth.</summary>
/// <param name="Engine">The engine's name.</param>
/// <param name="Size">The target size.</param>
/// <param name="Memories">Active memories in the cube at the end, as the store counts them (not the benchmark).</param>
/// <param name="Iterations">Measured rounds (and steady searches).</param>
/// <param name="GrowMs">Wall time of the batched adds that grew the cube to <paramref name="Size"/> minus the rounds.</param>
/// <param name="AfterWrite">Per round: the add (ingest) and the search right after it (search).</param>
/// <param name="Steady">Searches with no write in between (search only).</param>
/// <param name="FreshHitMisses">Rounds where a search for the just-added text did not return the just-added memory.</param>
/// <param name="Cold">Open and first search in a new process on the same file: the median probe (for an even number of probes, the mean of the middle two); null when the host gave no probe.</param>
/// <param name="ColdSamplesMs">Open plus first search of every probe, in the order they ran.</param>
/// <param name="HeapBytesPerMemory">GC heap growth (after a full collection) from the empty cube to this size, per memory.</param>
/// <param name="WorkingSetBytesPerMemory">Process working-set growth (after a full collection) over the same span, per memory.</param>
public sealed record WorkloadRow(
    string Engine,
    int Size,
    long Memories,
    int Iterations,
    double GrowMs,
    LatencySummary AfterWrite,
    LatencySummary Steady,
    int FreshHitMisses,
    ColdProbeResult? Cold,
    IReadOnlyList<double> ColdSamplesMs,
    double HeapBytesPerMemory,
    double WorkingSetBytesPerMemory)
{
    /// <summary>
    /// With a background embedder: from the last write of the growth to the moment no memory waits for a vector (the
    /// queue's drain after a burst of writes), and how many memories it embedded meanwhile. Null without one.
    /// </summary>
    public EmbeddingDrain? Drain { get; init; }

    /// <summary>Median search after a write over median steady search: what a write costs the next search.</summary>
    public double? AfterWriteToSteady => AfterWrite.SearchP50 is { } after && Steady.SearchP50 is { } steady && steady > 0 ? after / steady : null;
}
