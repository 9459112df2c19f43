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

    /// <summary>
    /// This archive as <paramref name="importer"/> restores it, by the rule every import follows (<see cref="Import.ImportAuthor"/>,
    /// as <see cref="Import.Mem0Reader"/> applies it): an importer with a user or agent writes as them, so the cube's owner and
    /// every version's scope must name that user and agent or none (stamped with the importer's); only the tenant's scope (no
    /// user, no agent) keeps the users and agents the archive names. Grants are kept: the owner's decision whom to let in.
    /// </summary>
    /// <exception cref="AccessDeniedException">The owner or a version names another user or agent (the first such, named); nothing is to be restored.</exception>
    public CubeArchive ImportedBy(Scope importer)
    {
        ArgumentNullException.ThrowIfNull(importer);
        var owner = Import.ImportAuthor.Stamp(Cube.Owner, importer, (what, named) => Refused("the cube's owner", what, named, importer));
        var memories = Memories
            .Select(history => (IReadOnlyList<MemoryItem>)[.. history.Select(v => v with
            {
                Scope = Import.ImportAuthor.Stamp(v.Scope, importer, (what, named) => Refused($"memory {v.Id} (version {v.Version})", what, named, importer)),
            })])
            .ToList();
        return this with { Cube = Cube with { Owner = owner }, Memories = memories };
    }

    // An archive is a file anyone can edit: restored as --user bob, one edited to name alice made a cube "owned by" alice, full
    // of her "memories", that bob could not read and his own erasure missed.
    private static AccessDeniedException Refused(string where, string what, string named, Scope importer) => new(
        $"The archive's {where} names {what} '{named}', but scope {importer} imports it, and an import writes as its caller: import it as that {what}, "
        + "or as the tenant (no user, no agent) to keep the archive's users and agents. Nothing was restored.");
}

/// <summary>Embeddings of a cube under one embedder.</summary>
/// <param name="Embedder">The embedder identity (model, version and dimension) they were computed with.</param>
/// <param name="Dimensions">A length every vector's length is a whole multiple of (a long memory's vector is its text's, then one per passage group): the embedder's dimension whenever any memory is short, a multiple of it when every memory is long, 0 when no vector is stored.</param>
/// <param name="Vectors">The vectors, keyed by memory.</param>
public sealed record ArchivedEmbeddings(string Embedder, int Dimensions, IReadOnlyDictionary<MemoryId, StoredEmbedding> Vectors);
