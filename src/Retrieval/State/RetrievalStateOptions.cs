namespace AgentMem.Retrieval.State;

/// <summary>Settings of <see cref="RetrievalState"/>: how much memory per-cube indexes may hold, and how they are built.</summary>
public sealed class RetrievalStateOptions
{
    /// <summary>Default byte budget for all cached cube indexes together (256 MiB).</summary>
    public const long DefaultCacheBytes = 256L << 20;

    /// <summary>
    /// Bytes all cached cube indexes may hold together; beyond it the least recently searched cubes are evicted (their
    /// embeddings stay persisted, so reopening one re-embeds nothing). The cube being searched is always kept, even
    /// alone over budget, and so is a cube whose SPANN build is running, until the build is done.
    /// </summary>
    public long CacheBytes { get; set; } = DefaultCacheBytes;

    /// <summary>Neighbours on each side of a memory in its session's window document.</summary>
    public int WindowRadius { get; set; } = 2;

    /// <summary>Default <see cref="PassageChars"/>: two or three sentences, about 70 tokens of English.</summary>
    public const int DefaultPassageChars = 300;

    /// <summary>Default <see cref="VectorPassageChars"/>: one vector per passage.</summary>
    public const int DefaultVectorPassageChars = DefaultPassageChars;

    /// <summary>
    /// Target length, in characters, of the passages a long memory (over 1.5 times this) is indexed as, cut at paragraph
    /// or sentence boundaries: its lexical score is then its best passage's, and a hit names that passage, so a fact
    /// inside a long answer is found and quoted without the rest. Chosen on the longchat set (docs/longchat.md): BM25
    /// alone R@10 0.583 at 200, 0.578 at 300, 0.558 at 600, 0.537 at 1,000; LoCoMo is the same at 300 as without.
    /// </summary>
    public int PassageChars { get; set; } = DefaultPassageChars;

    /// <summary>
    /// Target length, in characters, of the stretches of a long memory embedded together (consecutive passages, up to
    /// 1.25 times this): each gets a vector beside the memory's own, and the memory's vector similarity is the nearest
    /// one's. Texts up to 1.5 times this are covered by the memory's own vector alone. The default embeds every passage:
    /// on the longchat set with arctic-embed-xs, R@10 0.657 against 0.608 with stretches of 1,000 characters (the vector
    /// alone 0.599 against 0.507; neighbour fade at 50 terms), for about three times the embedding work; raise it to
    /// trade quality for ingest speed.
    /// </summary>
    public int VectorPassageChars { get; set; } = DefaultVectorPassageChars;

    /// <summary>Change-feed entries read per round trip while catching up.</summary>
    public int ChangeBatch { get; set; } = 2000;

    /// <summary>Texts per call to the embedder.</summary>
    public int EmbedBatch { get; set; } = 64;

    /// <summary>
    /// Most texts a model embedder embeds inline while a cube is built or catches up. Beyond it (a new embedder, an
    /// import from another process) the memories are indexed lexically at once and embedded in the background, persisted
    /// and added to the vector signal as they come (<see cref="RetrievalState.PendingEmbeddings"/>, <see cref="EmbeddingProgress"/>);
    /// search keeps answering from the lexical signals meanwhile. 0 keeps a slow model off the write path entirely. The
    /// hashing embedder always embeds inline: it is as fast as reading a stored vector.
    /// </summary>
    public int InlineEmbedLimit { get; set; } = 256;

    /// <summary>
    /// With a model embedder, catch a cube up in the background after each committed write (rather than at its next
    /// search), so new memories join the embedding queue at once. Meant for long-running services, with
    /// <see cref="InlineEmbedLimit"/> 0; off by default (a one-shot command has no background to wait for).
    /// </summary>
    public bool QueueAfterWrites { get; set; }

    /// <summary>
    /// How long the background embedder waits after a failed batch before it tries again (the embedder or the store was
    /// down): each failure in a row doubles the wait, up to <see cref="MaxEmbedRetryDelay"/>, drawn from its upper half so
    /// that processes that failed together do not retry in step. Memories queued meanwhile wait for that try.
    /// </summary>
    public TimeSpan FirstEmbedRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between background embedding tries after failures in a row (see <see cref="FirstEmbedRetryDelay"/>).</summary>
    public TimeSpan MaxEmbedRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The longest <see cref="MaxEmbedRetryDelay"/> accepted: one day.</summary>
    public static readonly TimeSpan MaxEmbedRetryDelayLimit = TimeSpan.FromDays(1);

    /// <summary>Told after every background batch (and each deferral) how many memories wait and how many were embedded.</summary>
    public IProgress<EmbeddingProgress>? EmbeddingProgress { get; set; }

    /// <summary>
    /// Told of each failed background batch or catch-up as it fails (the error <see cref="RetrievalState.BackgroundEmbeddingError"/>
    /// then holds), so a long-running host can log it when it happens rather than when someone asks.
    /// </summary>
    public IProgress<Exception>? EmbeddingFailures { get; set; }

    /// <summary>
    /// Persist computed embeddings in the store (keyed by memory, embedder identity and text hash) so another process
    /// or a restart never re-embeds unchanged text. On by default.
    /// </summary>
    public bool PersistEmbeddings { get; set; } = true;

    /// <summary>Default <see cref="AnnThreshold"/>: exact scoring of 1,024-dimension rows stays under ~3 ms up to here.</summary>
    public const int DefaultAnnThreshold = 20_000;

    /// <summary>
    /// Cubes with more embeddings than this answer the vector signal through a SPANN index (postings on disk, codes in
    /// memory), built once in the background and then kept in step with every insert and delete, instead of scoring
    /// every embedding in memory. Null: always exact.
    /// </summary>
    public int? AnnThreshold { get; set; } = DefaultAnnThreshold;

    /// <summary>
    /// Whether the first search of a cube past <see cref="AnnThreshold"/> starts its SPANN build in the background (on by
    /// default). A short-lived process (a one-shot command) turns it off: it would exit long before the build of a large
    /// cube finished, and closing waited for the build and then threw it away unsaved, so every run paid for it again.
    /// Off, such a cube is scored exactly (<see cref="RetrievalState.AnnBuildDeferred"/> says so), a SPANN index saved in
    /// <see cref="IndexDirectory"/> is still reopened and kept in step, and <see cref="RetrievalState.BuildIndexAsync"/>
    /// or <see cref="RetrievalState.RebuildAsync"/> builds and saves one on request.
    /// </summary>
    public bool BuildAnnInBackground { get; set; } = true;

    /// <summary>
    /// The data directory's index folder (e.g. <c>agentmem.db.index</c>): each big cube's SPANN index and the change-feed
    /// sequence of its last checkpoint live under it, so another process or a restart reopens the index instead of
    /// rebuilding it. Null: indexes live in temporary folders (<c>agentmem-ann-*</c> under the temp path) and are rebuilt per
    /// process; each is deleted when its cube is closed, and one a killed process left behind by the next process that makes one.
    /// </summary>
    public string? IndexDirectory { get; set; }

    /// <summary>Updates applied to a cube's SPANN index between checkpoints (its write-ahead log covers the rest).</summary>
    public int CheckpointEvery { get; set; } = 5_000;

    /// <summary>
    /// Cubes with at least this many memories keep a snapshot of their index (<c>lexical.snap</c>) in the index folder,
    /// written with each checkpoint, so a new process restores them instead of re-reading and re-analysing every memory.
    /// </summary>
    public int SnapshotMinimum { get; set; } = 2_000;

    /// <summary>Throws <see cref="ArgumentException"/> for settings that cannot work.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(CacheBytes, 1 << 20, nameof(CacheBytes));
        ArgumentOutOfRangeException.ThrowIfNegative(WindowRadius, nameof(WindowRadius));
        ArgumentOutOfRangeException.ThrowIfLessThan(PassageChars, 100, nameof(PassageChars));
        ArgumentOutOfRangeException.ThrowIfLessThan(VectorPassageChars, PassageChars, nameof(VectorPassageChars));
        ArgumentOutOfRangeException.ThrowIfLessThan(ChangeBatch, 1, nameof(ChangeBatch));
        ArgumentOutOfRangeException.ThrowIfLessThan(EmbedBatch, 1, nameof(EmbedBatch));
        ArgumentOutOfRangeException.ThrowIfNegative(InlineEmbedLimit, nameof(InlineEmbedLimit));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(FirstEmbedRetryDelay, TimeSpan.Zero, nameof(FirstEmbedRetryDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxEmbedRetryDelay, FirstEmbedRetryDelay, nameof(MaxEmbedRetryDelay));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxEmbedRetryDelay, MaxEmbedRetryDelayLimit, nameof(MaxEmbedRetryDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(CheckpointEvery, 1, nameof(CheckpointEvery));
        ArgumentOutOfRangeException.ThrowIfLessThan(SnapshotMinimum, 1, nameof(SnapshotMinimum));
        if (AnnThreshold is { } threshold)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(threshold, 1, nameof(AnnThreshold));
        }
    }
}
