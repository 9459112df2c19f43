namespace AgentMem.Retrieval.State;

/// <summary>Where the background embedder stands: memories still waiting for a vector, and those it has embedded so far.</summary>
/// <param name="Pending">Searchable memories (all cubes) not in the vector signal yet; they are found through the lexical signals meanwhile.</param>
/// <param name="Embedded">Memories the background embedder has embedded (or found embedded) and added since the state was created.</param>
public readonly record struct EmbeddingProgress(long Pending, long Embedded);
