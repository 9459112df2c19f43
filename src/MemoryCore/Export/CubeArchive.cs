namespace AgentMem.MemoryCore.Export;

/// <summary>A whole cube as the <c>agentmem.cube</c> export format carries it (see docs/formats.md).</summary>
/// <param name="Cube">The cube's metadata.</param>
/// <param name="Memories">Every memory of the cube, by id, each with all its versions oldest first.</param>
/// <param name="Embeddings">Persisted embeddings, when exported; null otherwise.</param>
public sealed record CubeArchive(MemCube Cube, IReadOnlyList<IReadOnlyList<MemoryItem>> Memories, ArchivedEmbeddings? Embeddings = null)
{
    /// <summary>The format name written on the header line.</summary>
    public const string FormatName = "agentmem.cube";

    /// <summary>The format version this build reads and writes.</summary>
    public const int FormatVersion = 1;

    /// <summary>This archive, to be restored under another cube name (checked as a new cube's name is, trimmed).</summary>
    public CubeArchive Renamed(string name) => this with { Cube = Cube with { Name = ScopeNames.RequireNew(name, "cube") } };
}

/// <summary>Embeddings of a cube under one embedder.</summary>
/// <param name="Embedder">The embedder identity (model, version and dimension) they were computed with.</param>
/// <param name="Dimensions">A length every vector's length is a whole multiple of (a long memory's vector is its text's, then one per passage group): the embedder's dimension whenever any memory is short, a multiple of it when every memory is long, 0 when no vector is stored.</param>
/// <param name="Vectors">The vectors, keyed by memory.</param>
public sealed record ArchivedEmbeddings(string Embedder, int Dimensions, IReadOnlyDictionary<MemoryId, StoredEmbedding> Vectors);
