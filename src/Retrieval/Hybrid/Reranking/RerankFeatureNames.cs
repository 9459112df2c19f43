namespace AgentMem.Retrieval.Hybrid.Reranking;

/// <summary>
/// The features the hybrid computes for each candidate a <see cref="RerankModel"/> rescores, by name. "topic" is the query
/// with the names of the cube's actors it mentions removed ("What did Caroline research?" → "What did research?"): a
/// sentence model then matches what is asked rather than who is named, while the actor feature keeps who.
/// </summary>
public static class RerankFeatureNames
{
    /// <summary>Every feature, in the order <see cref="RerankModel.Score"/> takes them.</summary>
    public static IReadOnlyList<string> Names => All;

    /// <summary>The hybrid's fused score before reranking.</summary>
    public const string Hybrid = "hybrid";

    internal static readonly string[] All =
    [
        Hybrid,
        "item",              // BM25 of the memory, scaled by the best
        "window",            // BM25 of the memory with its session neighbours, scaled
        "session",           // BM25 of the memory's session, scaled
        "vector",            // cosine, scaled from the range depth's similarity to the best
        "vector_z",          // cosine, standardised over the cube
        "actor",             // 1 when the memory's actor is named by the query
        "coverage",          // share of the query's distinct terms the memory holds
        "neighbour_vector_z", // best standardised cosine of the memory's previous and next in its session
        "session_vector_z",  // best standardised cosine in the memory's session
        "item_rank",         // log(1 + rank) by each signal over the cube
        "window_rank",
        "vector_rank",
        "hybrid_rank",
        "length",            // log(1 + content terms)
        "time",              // 1 when the memory mentions a time
        "named_actors",      // how many of the cube's actors the query names
        "topic_vector",      // cosine to the topic query, scaled like "vector"
        "topic_vector_z",
        "topic_vector_rank",
        "actor_topic_vector", // products: the actor flag with the topic and plain vector and window signals
        "actor_vector",
        "actor_window",
    ];
}
