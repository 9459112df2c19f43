namespace AgentMem.Server.Contracts;

/// <summary>A memory's links, one hop, as <c>GET /v1/memories/{id}/links</c> returns them.</summary>
/// <param name="Id">The memory whose links these are.</param>
/// <param name="Links">Each link whose target the caller may read, in the memory's order.</param>
/// <param name="Hidden">Links left out: the target was purged, or lies in a cube the caller may not read.</param>
public sealed record MemoryLinksResponse(string Id, IReadOnlyList<MemoryLinkDto> Links, int Hidden);
