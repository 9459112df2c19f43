namespace AgentMem.Retrieval.State;

/// <summary>What <see cref="RetrievalState.VerifyAsync"/> found for one cube: derived data compared with the store.</summary>
/// <param name="CubeId">The cube.</param>
/// <param name="Memories">Searchable memories in the store (active, archived, frozen, deleted).</param>
/// <param name="Indexed">Memories in the cube's in-memory index after catching up with the change feed.</param>
/// <param name="EmbeddingsMissing">Searchable memories with no persisted embedding under the current embedder.</param>
/// <param name="EmbeddingsStale">Persisted embeddings whose text hash no longer matches the memory.</param>
/// <param name="Tier">How the vector signal is served: <c>exact</c>, <c>spann</c> or <c>building</c>.</param>
/// <param name="AnnMissing">Memories with a vector that the SPANN index does not hold.</param>
/// <param name="AnnExtra">Keys the SPANN index holds for no searchable memory (a purge or supersede not applied).</param>
public sealed record IndexReport(string CubeId, int Memories, int Indexed, int EmbeddingsMissing, int EmbeddingsStale, string Tier, int AnnMissing, int AnnExtra)
{
    /// <summary>
    /// Why the SPANN index could not be read whole (a posting that fails its CRC, a failed update) or built, or null. Its
    /// keys are then not compared: <see cref="RetrievalState.RebuildAsync"/> builds it again from the store.
    /// </summary>
    public string? Damage { get; init; }

    /// <summary>Whether anything derived disagrees with the store, or cannot be read.</summary>
    public bool Drift => Memories != Indexed || EmbeddingsMissing > 0 || EmbeddingsStale > 0 || AnnMissing > 0 || AnnExtra > 0 || Damage is not null;
}
