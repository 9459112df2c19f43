namespace AgentMem.Retrieval.Hybrid;

/// <summary>
/// Weights and switches of <see cref="HybridRetriever"/>. The defaults are the embedded configuration
/// measured in the README; a weight of 0 turns a signal off.
/// </summary>
public sealed class HybridOptions
{
    /// <summary>Name reported by the retriever (and used to select it), default <c>hybrid</c>.</summary>
    public string Name { get; set; } = "hybrid";

    /// <summary>How signals are combined.</summary>
    public FusionMethod Fusion { get; set; } = FusionMethod.Weighted;

    /// <summary>BM25 of the memory's own text (and speaker).</summary>
    public float ItemWeight { get; set; } = 0.5f;

    /// <summary>BM25 of the memory together with its neighbours in the same session (conversation context).</summary>
    public float WindowWeight { get; set; } = 1.0f;

    /// <summary>BM25 of the whole session the memory belongs to (a topical prior).</summary>
    public float SessionWeight { get; set; } = 0.3f;

    /// <summary>
    /// Cosine similarity of embeddings. 0.2 suits the default hashing embedder (a lexical echo of BM25);
    /// <see cref="ForSentenceEmbedder"/> raises it for a sentence model.
    /// </summary>
    public float VectorWeight { get; set; } = 0.2f;

    /// <summary>
    /// The vector signal is scaled from the similarity of the memory ranked this deep (0) to the best one's (1): a sentence
    /// model's cosines crowd into a narrow band (0.2–0.5 for unrelated and related turns alike), so dividing by the best
    /// alone would give every memory nearly the same vector score. Memories below that depth get no vector credit.
    /// 0 (the default, right for the hashing embedder's sparse similarities and for the vector-only retriever, which must
    /// rank every memory) takes the cosine as it is; <see cref="ForSentenceEmbedder"/> sets 100.
    /// </summary>
    public int VectorRangeDepth { get; set; }

    /// <summary>Memories from which the vector signal is scored on a second thread beside the lexical ones (tests set it to 0).</summary>
    internal int ParallelVectorMinimum { get; set; } = 5_000;

    /// <summary>
    /// Cosine similarity below which the vector signal counts as no match (hashed features of unrelated
    /// texts collide at random, around ±0.03 for 1,024 dimensions).
    /// </summary>
    public float VectorMinSimilarity { get; set; } = 0.1f;

    /// <summary>
    /// Boost for memories whose actor (speaker, author) the query names, e.g. "What did Caroline adopt?"
    /// favours what Caroline said. Applied only to memories that already match the query.
    /// </summary>
    public float ActorWeight { get; set; } = 0.5f;

    /// <summary>Boost for recent event times: weight × 2^(−age / half-life).</summary>
    public float RecencyWeight { get; set; }

    /// <summary>Half-life of the recency boost, in days.</summary>
    public double RecencyHalfLifeDays { get; set; } = 30;

    /// <summary>Boost by forgetting-curve retention R = e^(−t/S) (t days since last recall, S the memory's strength).</summary>
    public float StrengthWeight { get; set; }

    /// <summary>
    /// BM25 of the memory's tags against the tags the query's words map to in <see cref="MemoryCore.Notes.TagLexicon.Default"/>
    /// ("What pets ..." meets notes tagged pet). 0 (off) by default; the memory-intelligence configuration turns it on.
    /// </summary>
    public float TagWeight { get; set; }

    /// <summary>
    /// One-hop link expansion: a memory linked from one of the <see cref="LinkSeeds"/> best results gains
    /// weight × the seed's score × the link's weight (decaying with the link). 0 (off) by default.
    /// </summary>
    public float LinkWeight { get; set; }

    /// <summary>
    /// Time-aware ranking: for a question about when something happened ("When did ...", "What year ..."), memories that
    /// mention a time (<see cref="MemoryCore.Time.TemporalCues"/>) get their score multiplied by 1 + weight. 0 (off) by default.
    /// </summary>
    public float TimeWeight { get; set; }

    /// <summary>How many of the best results spread score along their links.</summary>
    public int LinkSeeds { get; set; } = 10;

    /// <summary>
    /// Mean memory length, in content terms, up to which the window and session signals keep their full weight; beyond
    /// it they are scaled by this over the cube's mean length (see <c>ScoringContext.NeighbourScale</c>). Default 35,
    /// chosen on LoCoMo and longchat together: LoCoMo's turns (about 10–15 terms with the speaker) keep the signals
    /// whole at 25, 35 or 50 (R@10 0.769 hashing, 0.788 arctic at each); longchat R@10 with arctic 0.664 / 0.664 / 0.657,
    /// with hashing 0.562 / 0.565 / 0.565. 0 turns the fade off.
    /// </summary>
    public float NeighbourReferenceLength { get; set; } = 35;

    /// <summary>Neighbours on each side included in the window signal.</summary>
    public int WindowRadius { get; set; } = 2;

    /// <summary>The k of reciprocal rank fusion.</summary>
    public int RrfK { get; set; } = 60;

    /// <summary>
    /// The pre-incremental engine, kept as the workload benchmark's reference: every write marks the cube stale and the
    /// next search rebuilds all of its indexes from the store (O(cube) per search after a write). Off by default.
    /// </summary>
    public bool RebuildOnWrite { get; set; }

    /// <summary>Drop results whose content hash equals a better-ranked result's.</summary>
    public bool CollapseDuplicates { get; set; } = true;

    /// <summary>
    /// Maximal marginal relevance trade-off in (0, 1]; null turns MMR off. Lower values favour diversity. Redundancy is
    /// measured on the embeddings held in memory: a cube served by its SPANN index (rows on disk) ranks by relevance alone.
    /// </summary>
    public double? MmrLambda { get; set; }

    /// <summary>
    /// For a retriever that makes its own <see cref="State.RetrievalState"/>: cubes with more embeddings than this take
    /// the vector signal's candidates from a per-cube <see cref="Spann.SpannIndex"/>, built once when the cube crosses
    /// the threshold and then updated insert by insert and delete by delete; memories it does not return get no vector
    /// score. Null (the default): the state's default, <see cref="State.RetrievalStateOptions.DefaultAnnThreshold"/>. A shared
    /// state takes its own <see cref="State.RetrievalStateOptions.AnnThreshold"/>.
    /// </summary>
    public int? AnnThreshold { get; set; }

    /// <summary>Nearest embeddings taken from the ANN index when <see cref="AnnThreshold"/> applies (at least the request's k).</summary>
    public int AnnCandidates { get; set; } = 100;

    /// <summary>
    /// A learned second stage that rescores the best <see cref="RerankDepth"/> candidates (see <see cref="Reranking.RerankModel"/>);
    /// null (the default) keeps the fused order. It needs the vector signal: the CLI sets the packaged
    /// <see cref="Reranking.RerankModel.ArcticLocomo"/> for the arctic embedder. It embeds a second query (the query without
    /// the names of the cube's actors it mentions), about one more query embedding per search.
    /// </summary>
    public Reranking.RerankModel? Reranker { get; set; }

    /// <summary>How many of the fused order's best candidates the reranker rescores (at least the request's k).</summary>
    public int RerankDepth { get; set; } = 100;

    /// <summary>
    /// Cubes with fewer memories keep the fused order. The packaged model was fitted on conversations of 369–689 memories;
    /// in a cube of a few dozen its rank and standardised features fall outside what it saw (the demo's 30-turn conversation
    /// put a confirmation without the asked-for city above the turn naming it). Default 100.
    /// </summary>
    public int RerankMinimumMemories { get; set; } = 100;

    /// <summary>
    /// Cubes whose mean memory length, in content terms, is above this keep the fused order (0: no limit). The packaged
    /// model was fitted on chat turns (LoCoMo: 12–16 terms per memory with the speaker, cube by cube); on longchat's long
    /// messages (382–861 terms) it lowered R@10 from 0.668 to 0.620 (arctic, one run each, <c>bench/Reranker</c>). Default
    /// 35, the length up to which the hybrid reads a cube as chat turns (<see cref="NeighbourReferenceLength"/>); the
    /// LongMemEval sample's cubes (138–142 terms) are above it, ConvoMem's (14) below.
    /// </summary>
    public float RerankMaximumMeanLength { get; set; } = 35;

    /// <summary>
    /// Report every reranker feature of the candidates as a score component <c>rerank.NAME</c> (for training a model; see
    /// <c>bench/Reranker</c>), with or without a <see cref="Reranker"/>.
    /// </summary>
    public bool ReportRerankFeatures { get; set; }

    /// <summary>Whether searches compute reranker features (a model is set, or features are reported).</summary>
    internal bool Reranks => Reranker is not null || ReportRerankFeatures;

    /// <summary>Whether the model rescores a cube of <paramref name="memories"/> memories of this mean length (terms).</summary>
    internal bool RerankerFits(int memories, float meanLength) =>
        memories >= RerankMinimumMemories && (RerankMaximumMeanLength <= 0 || meanLength <= RerankMaximumMeanLength);

    /// <summary>The largest weight <see cref="Validate"/> accepts (weights are relative: scale them all down instead).</summary>
    public const float MaxWeight = 1_000_000f;

    /// <summary>Throws <see cref="ArgumentException"/> for settings that cannot work.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Name, nameof(Name));
        // Weights are relative, so a cap costs nothing; without it a weight near float.MaxValue made the fused sum infinite and
        // every memory tied.
        foreach (var (name, value) in new[] { (nameof(ItemWeight), ItemWeight), (nameof(WindowWeight), WindowWeight), (nameof(SessionWeight), SessionWeight), (nameof(VectorWeight), VectorWeight), (nameof(ActorWeight), ActorWeight), (nameof(RecencyWeight), RecencyWeight), (nameof(StrengthWeight), StrengthWeight), (nameof(TagWeight), TagWeight), (nameof(LinkWeight), LinkWeight), (nameof(TimeWeight), TimeWeight) })
        {
            OptionsGuard.Between(value, 0f, MaxWeight, name);
        }

        OptionsGuard.NonNegative(NeighbourReferenceLength);
        OptionsGuard.NonNegative(RerankMaximumMeanLength);

        if (ItemWeight + WindowWeight + SessionWeight + VectorWeight == 0)
        {
            throw new ArgumentException("At least one relevance signal (item, window, session or vector) needs a positive weight.");
        }

        OptionsGuard.Check(VectorMinSimilarity is >= 0 and < 1, VectorMinSimilarity, "must be in [0, 1)");
        ArgumentOutOfRangeException.ThrowIfNegative(WindowRadius, nameof(WindowRadius));
        ArgumentOutOfRangeException.ThrowIfLessThan(LinkSeeds, 1, nameof(LinkSeeds));
        ArgumentOutOfRangeException.ThrowIfLessThan(RrfK, 1, nameof(RrfK));
        OptionsGuard.Positive(RecencyHalfLifeDays);
        if (AnnThreshold is { } threshold)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(threshold, 1, nameof(AnnThreshold));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(AnnCandidates, 1, nameof(AnnCandidates));
        ArgumentOutOfRangeException.ThrowIfNegative(VectorRangeDepth, nameof(VectorRangeDepth));
        ArgumentOutOfRangeException.ThrowIfLessThan(RerankDepth, 1, nameof(RerankDepth));
        ArgumentOutOfRangeException.ThrowIfNegative(RerankMinimumMemories, nameof(RerankMinimumMemories));
        if (MmrLambda is { } lambda)
        {
            OptionsGuard.Fraction(lambda, nameof(MmrLambda));
        }
    }

    /// <summary>Vector similarity alone (named <c>vector</c>).</summary>
    public static HybridOptions VectorOnly() => new() { Name = "vector", ItemWeight = 0, WindowWeight = 0, SessionWeight = 0, ActorWeight = 0, VectorWeight = 1 };

    /// <summary>
    /// The defaults with the vector signal set for a sentence-embedding model (such as the packaged arctic-embed-xs):
    /// weight 0.5 over the range from the 100th best similarity to the best, chosen on LoCoMo conversations 1–5 and
    /// checked on 6–10 (see the README's retrieval table); <paramref name="reranker"/>, when given, rescores the best candidates.
    /// </summary>
    public static HybridOptions ForSentenceEmbedder(Reranking.RerankModel? reranker = null) => new() { VectorWeight = 0.5f, VectorRangeDepth = 100, Reranker = reranker };
}
