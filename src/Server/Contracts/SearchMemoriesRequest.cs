using System.Text.Json.Serialization;

namespace AgentMem.Server.Contracts;

/// <summary>Body of <c>POST /v1/search</c>.</summary>
/// <param name="Query">What to look for.</param>
/// <param name="Cube">Cube id or name (default <c>default</c>).</param>
/// <param name="K">How many hits (default 10).</param>
/// <param name="Mode">Retriever: <c>hybrid</c> (default), <c>bm25</c> or <c>vector</c>.</param>
/// <param name="Explain">Return every component of each score.</param>
/// <param name="User">The acting user.</param>
/// <param name="Agent">The acting agent.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record SearchMemoriesRequest(string? Query, string? Cube = null, int? K = null, string? Mode = null, bool Explain = false, string? User = null, string? Agent = null);
