using System.Diagnostics.Metrics;

namespace AgentMem.MemoryCore.Telemetry;

/// <summary>
/// The one place MemoryCore's traces and metrics come from: an <see cref="ActivitySource"/> and a <see cref="Meter"/>, both
/// named <see cref="Name"/>. Hosts subscribe by that name (OpenTelemetry's <c>AddSource</c> and <c>AddMeter</c>); with no
/// listener attached the spans are never created and the instruments record nothing. No tag carries memory text.
/// </summary>
public static class MemoryCoreTelemetry
{
    /// <summary>The name of the activity source and of the meter: <c>AgentMem.MemoryCore</c>.</summary>
    public const string Name = "AgentMem.MemoryCore";

    /// <summary>Tag: the cube's id.</summary>
    public const string CubeTag = "agentmem.cube";

    /// <summary>Tag: the tenant.</summary>
    public const string TenantTag = "agentmem.tenant";

    /// <summary>Tag: how many results (hits, memories written) an operation produced.</summary>
    public const string ResultCountTag = "agentmem.result_count";

    /// <summary>Tag: the retriever a search used.</summary>
    public const string RetrieverTag = "agentmem.retriever";

    /// <summary>Tag: the store operation (the <see cref="Ports.IMemoryStore"/> method, without <c>Async</c>).</summary>
    public const string StoreOperationTag = "agentmem.store.operation";

    /// <summary>Tag: the store's implementation type.</summary>
    public const string StoreKindTag = "agentmem.store.kind";

    private static readonly string Version = typeof(MemoryCoreTelemetry).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    /// <summary>
    /// Spans <c>memory.add</c>, <c>memory.search</c>, <c>memory.update</c>, <c>memory.state</c>, <c>memory.delete</c>,
    /// <c>memory.supersede</c>, <c>memory.consolidate</c> (docs/telemetry.md lists their tags).
    /// </summary>
    public static ActivitySource Source { get; } = new(Name, Version);

    /// <summary>The meter every MemoryCore instrument belongs to.</summary>
    public static Meter Meter { get; } = new(Name, Version);

    /// <summary>Counter <c>agentmem.memories.added</c>: memories newly stored (de-duplicated drafts are not counted).</summary>
    internal static Counter<long> MemoriesAdded { get; } = Meter.CreateCounter<long>("agentmem.memories.added", "{memory}", "Memories newly stored by add.");

    /// <summary>Counter <c>agentmem.searches</c>: searches run through the facade.</summary>
    internal static Counter<long> Searches { get; } = Meter.CreateCounter<long>("agentmem.searches", "{search}", "Searches run through MemoryOS.");

    /// <summary>Histogram <c>agentmem.store.operation.duration</c>: seconds per store call, by operation.</summary>
    internal static Histogram<double> StoreDuration { get; } = Meter.CreateHistogram<double>("agentmem.store.operation.duration", "s", "Duration of IMemoryStore calls made by MemoryOS, by operation.");
}
