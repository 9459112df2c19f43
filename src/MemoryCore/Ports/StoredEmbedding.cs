namespace AgentMem.MemoryCore.Ports;

/// <summary>
/// A persisted embedding of one memory under one embedder identity. <see cref="TextHash"/> identifies the exact text
/// that was embedded, so a reader knows whether the vector still describes the memory's current version.
/// </summary>
/// <param name="MemoryId">The memory.</param>
/// <param name="TextHash">Hash of the embedded text (the caller's choice of function; compared for equality only).</param>
/// <param name="Vector">The vector as the embedder produced it.</param>
public sealed record StoredEmbedding(MemoryId MemoryId, string TextHash, float[] Vector);
