namespace AgentMem.Retrieval.Spann;

/// <summary>
/// Build, search and update parameters of a <see cref="SpannIndex"/> (names follow the SPANN and SPFresh
/// papers where they have one). Defaults suit 10⁴–10⁶ vectors of a few hundred dimensions.
/// </summary>
/// <remarks>
/// Distances: every threshold here is on the index's own distance (<see cref="VectorMetric"/>), which
/// for <see cref="VectorMetric.L2"/> is the <em>squared</em> Euclidean distance. The ε factors are
/// therefore applied to squared L2: (1+ε)·d² corresponds to a radius factor of √(1+ε).
/// </remarks>
public sealed record SpannOptions
{
    /// <summary>Heads (posting lists) as a fraction of the vectors at build time; SPANN uses 0.1–0.2.</summary>
    public double HeadFraction { get; init; } = 0.1;

    /// <summary>Children per node of the hierarchical k-means (the k of each level).</summary>
    public int KMeansBranching { get; init; } = 32;

    /// <summary>Lloyd iterations per k-means node.</summary>
    public int KMeansIterations { get; init; } = 8;

    /// <summary>
    /// λ of the balanced assignment cost d(x, c) + λ·(|c| / fair share)·g, g the mean gap between a
    /// point's nearest and second-nearest centroid: larger values trade cluster quality for equal
    /// cluster sizes; 0 is plain k-means.
    /// </summary>
    public double BalanceLambda { get; init; } = 0.5;

    /// <summary>
    /// Flat Lloyd passes over all vectors after the hierarchy (nearest head by the head HNSW, then new
    /// centroids): they undo the top levels' early, irrevocable cuts through clusters.
    /// </summary>
    public int RefineIterations { get; init; } = 1;

    /// <summary>Largest number of vectors sampled to fit one k-means node (assignment uses all of them).</summary>
    public int KMeansSample { get; init; } = 50_000;

    // The codebooks are k-means of 256 centroids: a sample below that (KMeansSample may be 16) failed every build and
    // checkpoint that trained them, and then the open that checkpoints after replay.
    internal int CodeTrainingSample => Math.Max(KMeansSample, ProductQuantizer.Centroids);

    /// <summary>Nearest heads examined when assigning a vector (closure candidates); the paper uses 64.</summary>
    public int CandidateHeads { get; init; } = 64;

    /// <summary>Most postings a vector is written to (replicas); the paper uses 8.</summary>
    public int MaxReplicas { get; init; } = 8;

    /// <summary>
    /// A candidate head is only accepted when d(x, head) ≤ (1+ε)·d(x, nearest head), on the index's
    /// distance (squared for L2). Bounds how far a replica may go.
    /// </summary>
    public float ClosureEpsilon { get; init; } = 0.5f;

    /// <summary>
    /// Factor of the RNG rule: candidate c_j is rejected when factor·d(c_i, c_j) &lt; d(x, c_j) for an accepted
    /// c_i (index distance, squared for L2). 1 is the plain rule; larger values keep more replicas. With
    /// squared L2 in high dimensions d(x, c_j) ≈ d(x, c_i) + d(c_i, c_j) (the offsets are nearly
    /// orthogonal), so the plain rule rejects almost every second head; a factor of 2–4 restores replicas.
    /// The default keeps the plain rule and probes wider instead (<see cref="SearchEpsilon"/>): on SIFT10K,
    /// recall@10 of <c>Search(q, 10)</c> reaches 0.959 at 1.17 replicas a vector this way, where factor 4 with
    /// <see cref="ClosureEpsilon"/> 1 needs 5.8 replicas (disk, in-memory codes, build time) and 18 % more CPU a
    /// search for 0.965 at ε 0.6 (the table is in <c>bench/Spann/README.md</c>).
    /// </summary>
    public float RngFactor { get; init; } = 1.0f;

    /// <summary>Most entries a posting keeps at build time; the farthest from its head are cut beyond it.</summary>
    public int PostingCap { get; init; } = 256;

    /// <summary>Default number of postings probed per query (the cap of query-aware pruning).</summary>
    public int MaxProbes { get; init; } = 64;

    /// <summary>
    /// Query-aware pruning: postings whose head is farther than (1+ε)·d(q, nearest head) are skipped
    /// (index distance, i.e. squared for L2: the default 1 is a radius factor of √2). At the other defaults,
    /// recall@10 on SIFT10K is 0.889 at ε 0.6, 0.959 at 1 and 0.986 at 1.5, for 17 % and 23 % more CPU a search
    /// than at 0.6 (<see cref="MaxProbes"/> caps the postings probed either way).
    /// </summary>
    public float SearchEpsilon { get; init; } = 1.0f;

    /// <summary>
    /// Bytes of the in-memory product-quantisation code kept per posting entry (PQ subspaces of 256
    /// centroids each, trained at <see cref="SpannIndex.Build"/>); null: dimension / 8 (48 for 384
    /// dimensions); 0: no codes, every probed posting is read from disk and scanned at full precision.
    /// With codes, a search ranks the probed entries in memory and reads only the best
    /// <see cref="RerankDepth"/> vectors from disk. An index made by <see cref="SpannIndex.Create"/>, or
    /// built from fewer than <see cref="MinCodeTrainingVectors"/> vectors, has no codes until the first
    /// <see cref="SpannIndex.Checkpoint"/> that finds that many live vectors trains them.
    /// </summary>
    public int? CodeBytes { get; init; }

    /// <summary>Live vectors the codebooks need before <see cref="SpannIndex.Build"/> or a checkpoint trains them.</summary>
    public int MinCodeTrainingVectors { get; init; } = 1_024;

    /// <summary>Candidates by code distance whose full-precision vectors are read from disk and re-ranked (with codes).</summary>
    public int RerankDepth { get; init; } = 100;

    /// <summary>Posting reads issued at once per query (RandomAccess, thread pool).</summary>
    public int ReadsInFlight { get; init; } = 8;

    /// <summary>
    /// Up to this many heads, a query scans every head exactly instead of walking the HNSW: nothing is missed and
    /// the scan is cheap (2,048 heads of 1,024 dimensions: 8 MB, a few tenths of a millisecond). Above it the scan
    /// is memory-bound and grows with the cube (5,877 heads at 100k hashing vectors: 1.3 ms of a 1.9 ms search),
    /// while the graph with beam <see cref="HeadSearchEf"/> costs 0.3 ms and keeps 99.5% of the exact-head results
    /// (recall@100 on LoCoMo questions). Inserts always use the graph (SPFresh does too); the build's assignment
    /// scans up to 8,192 heads. 0: queries always walk the HNSW.
    /// </summary>
    public int ExactHeadLimit { get; init; } = 2_048;

    /// <summary>Beam of a query's walk over the head HNSW (above <see cref="ExactHeadLimit"/>); at least <see cref="MaxProbes"/> is used.</summary>
    public int HeadSearchEf { get; init; } = 256;

    /// <summary>Parameters of the in-memory HNSW over the heads.</summary>
    public HnswOptions HeadIndex { get; init; } = new() { M = 16, EfConstruction = 100, EfSearch = 128 };

    /// <summary>A posting is split (2-means, LIRE reassignment) when its live entries exceed this.</summary>
    public int SplitThreshold { get; init; } = 384;

    /// <summary>
    /// Most posting splits one update performs (its own and those its reassignments cause); the rest are queued for
    /// the next updates, so no single insert pays for a cascade.
    /// </summary>
    public int SplitsPerUpdate { get; init; } = 2;

    /// <summary>A posting with fewer live entries than this is merged into its nearest neighbour posting.</summary>
    public int MergeThreshold { get; init; } = 4;

    /// <summary>Neighbour postings whose entries LIRE re-examines after a split.</summary>
    public int ReassignNeighbours { get; init; } = 8;

    /// <summary>
    /// Flush every write-ahead-log record to the OS before an update returns (survives a killed process);
    /// with <see cref="FsyncWrites"/> also to the device (survives power loss, much slower).
    /// </summary>
    public bool FsyncWrites { get; init; }

    /// <summary>
    /// A reopened index whose write-ahead log held at least this many updates checkpoints as soon as it has replayed
    /// them, so a process that is killed again does not replay them again.
    /// </summary>
    public int CheckpointAfterReplay { get; init; } = 256;

    /// <summary>
    /// A checkpoint packs the postings into a new file when the extents left behind by growth and splits are at least
    /// this many bytes and at least half the file.
    /// </summary>
    public long CompactionMinimumBytes { get; init; } = 16L << 20;

    /// <summary>Verify the CRC of every posting at open (reads the whole postings file once).</summary>
    public bool VerifyPostingsOnOpen { get; init; } = true;

    /// <summary>Threads for the build (k-means, closure assignment); null: all processors.</summary>
    public int? BuildThreads { get; init; }

    /// <summary>Seed of the k-means sampling, so a build is reproducible.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Test hook: called on the building thread with each build phase's name as it ends (the names of <see cref="SpannIndex.LastBuildPhases"/>).</summary>
    internal Action<string>? BuildPhaseDone { get; init; }

    /// <summary>Code bytes per entry for vectors of <paramref name="dimension"/> dimensions (0: none).</summary>
    public int CodeBytesFor(int dimension) => Math.Min(dimension, CodeBytes ?? Math.Max(1, dimension / 8));

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for values the index cannot work with.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(SplitsPerUpdate, 1, nameof(SplitsPerUpdate));
        ArgumentOutOfRangeException.ThrowIfLessThan(CheckpointAfterReplay, 1, nameof(CheckpointAfterReplay));
        ArgumentOutOfRangeException.ThrowIfNegative(CompactionMinimumBytes, nameof(CompactionMinimumBytes));
        OptionsGuard.Fraction(HeadFraction);
        ArgumentOutOfRangeException.ThrowIfLessThan(KMeansBranching, 2, nameof(KMeansBranching));
        ArgumentOutOfRangeException.ThrowIfLessThan(KMeansIterations, 1, nameof(KMeansIterations));
        OptionsGuard.NonNegative(BalanceLambda);
        ArgumentOutOfRangeException.ThrowIfLessThan(KMeansSample, 16, nameof(KMeansSample));
        ArgumentOutOfRangeException.ThrowIfNegative(RefineIterations, nameof(RefineIterations));
        ArgumentOutOfRangeException.ThrowIfLessThan(CandidateHeads, 1, nameof(CandidateHeads));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxReplicas, 1, nameof(MaxReplicas));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxReplicas, CandidateHeads, nameof(MaxReplicas));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxReplicas, byte.MaxValue, nameof(MaxReplicas)); // the build counts replicas in a byte: 256 became 0
        OptionsGuard.NonNegative(ClosureEpsilon);
        OptionsGuard.NonNegative(SearchEpsilon);
        OptionsGuard.Positive(RngFactor);
        ArgumentOutOfRangeException.ThrowIfLessThan(PostingCap, 1, nameof(PostingCap));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxProbes, 1, nameof(MaxProbes));
        ArgumentOutOfRangeException.ThrowIfLessThan(HeadSearchEf, 1, nameof(HeadSearchEf));
        ArgumentOutOfRangeException.ThrowIfLessThan(ReadsInFlight, 1, nameof(ReadsInFlight));
        if (CodeBytes is { } codeBytes)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(codeBytes, nameof(CodeBytes));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MinCodeTrainingVectors, ProductQuantizer.Centroids, nameof(MinCodeTrainingVectors));
        ArgumentOutOfRangeException.ThrowIfLessThan(RerankDepth, 1, nameof(RerankDepth));
        ArgumentOutOfRangeException.ThrowIfNegative(ExactHeadLimit, nameof(ExactHeadLimit));
        ArgumentNullException.ThrowIfNull(HeadIndex, nameof(HeadIndex));
        HeadIndex.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(SplitThreshold, 2, nameof(SplitThreshold));
        ArgumentOutOfRangeException.ThrowIfNegative(MergeThreshold, nameof(MergeThreshold));
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(MergeThreshold, SplitThreshold / 2, nameof(MergeThreshold));
        ArgumentOutOfRangeException.ThrowIfNegative(ReassignNeighbours, nameof(ReassignNeighbours));
        if (BuildThreads is { } threads)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1, nameof(BuildThreads));
        }
    }
}
