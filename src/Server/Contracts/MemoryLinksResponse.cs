namespace AgentMem.Server.Contracts;

/// <summary>A memory's links both ways, one hop, as <c>GET /v1/memories/{id}/links</c> returns them.</summary>
/// <param name="Id">The memory whose links these are.</param>
/// <param name="Links">Each link whose target the caller may read, in the memory's order.</param>
/// <param name="Hidden">Links left out: the target was purged, or lies in a cube the caller may not read (when <c>moreLinks</c>, only those before the last link read are counted).</param>
/// <param name="Incoming">
/// Links to the memory from the live (active or frozen) memories of its own cube, oldest linking memory first; readable
/// whenever the memory is.
/// </param>
/// <param name="MoreLinks">More readable links than the request's <c>limit</c>: the first are listed.</param>
/// <param name="MoreIncoming">More incoming links than the request's <c>limit</c>: the oldest are listed.</param>
public sealed record MemoryLinksResponse(string Id, IReadOnlyList<MemoryLinkDto> Links, int Hidden, IReadOnlyList<IncomingLinkDto> Incoming, bool MoreLinks, bool MoreIncoming);
