namespace AgentMem.MemoryCore.Ports;

/// <summary>How a store applies a batch of adds.</summary>
/// <param name="Deduplicate">Return the existing memory when the same content hash is live in the cube under the same user and agent and from the same speaker (<see cref="Model.Provenance.Actor"/>, compared exactly); the session does not matter. In a shared cube another user's identical memory is theirs, not the writer's, and in an ingested chat another speaker's identical words are their fact.</param>
/// <param name="MaxLiveItems">Refuse the batch if the cube would hold more live memories than this; 0 for no limit.</param>
/// <param name="MatchSourceRef">
/// With <paramref name="Deduplicate"/>, a memory is the same only if its provenance source reference is the same too. A
/// conversation import sets it: two turns with the same words are two memories, and the same turn imported again is one.
/// </param>
public sealed record AddOptions(bool Deduplicate, int MaxLiveItems = 0, bool MatchSourceRef = false);
