using System.Diagnostics.Metrics;

namespace AgentMem.Retrieval.Telemetry;

/// <summary>
/// The one place Retrieval's traces and metrics come from: an <see cref="ActivitySource"/> and a <see cref="Meter"/>, both
/// named <see cref="Name"/>. With no listener attached no span is created and nothing is recorded. No tag carries query text.
/// </summary>
public static class RetrievalTelemetry
{
    /// <summary>The name of the activity source and of the meter: <c>AgentMem.Retrieval</c>.</summary>
    public const string Name = "AgentMem.Retrieval";

    /// <summary>Tag: how many rows of the cube were scored.</summary>
    public const string CandidateCountTag = "agentmem.retrieval.candidates";

    /// <summary>Tag: how many hits the search returned.</summary>
    public const string HitCountTag = "agentmem.retrieval.hits";

    private static readonly string Version = typeof(RetrievalTelemetry).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    // Live retrieval states, for the queue gauge; weak, so a state nobody disposed does not stay alive for it.
    private static readonly ConditionalWeakTable<RetrievalState, object?> States = new();

    /// <summary>Span <c>retrieval.search</c> (the hybrid retriever's search).</summary>
    public static ActivitySource Source { get; } = new(Name, Version);

    /// <summary>The meter every Retrieval instrument belongs to.</summary>
    public static Meter Meter { get; } = new(Name, Version);

    /// <summary>Histogram <c>agentmem.retrieval.search.duration</c>: seconds per hybrid search.</summary>
    internal static Histogram<double> SearchDuration { get; } = Meter.CreateHistogram<double>("agentmem.retrieval.search.duration", "s", "Duration of hybrid retrieval searches.");

    /// <summary>Histogram <c>agentmem.retrieval.candidates</c>: rows scored per hybrid search.</summary>
    internal static Histogram<long> Candidates { get; } = Meter.CreateHistogram<long>("agentmem.retrieval.candidates", "{memory}", "Rows of the cube scored per hybrid search.");

    /// <summary>Observable gauge <c>agentmem.embedding.queue.depth</c>: memories waiting for a background vector, over live states.</summary>
    internal static ObservableGauge<long> EmbeddingQueueDepth { get; } = Meter.CreateObservableGauge("agentmem.embedding.queue.depth", ObserveQueue, "{memory}", "Memories waiting for a background embedding.");

    internal static void Track(RetrievalState state) => States.AddOrUpdate(state, null);

    internal static void Untrack(RetrievalState state) => States.Remove(state);

    private static long ObserveQueue()
    {
        long pending = 0;
        foreach (var (state, _) in States)
        {
            pending += state.PendingEmbeddings;
        }

        return pending;
    }
}
