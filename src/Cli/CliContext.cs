using AgentMem.Retrieval;
using AgentMem.Retrieval.State;

namespace AgentMem.Cli;

/// <summary>What every verb needs: the global options resolved, and the composition of the embedded default.</summary>
internal sealed record CliContext(StoreLocation Db, Scope Scope, string Cube, CliOutput Output)
{
    /// <summary>Where this process keeps the indexes derived from <see cref="Db"/> (<c>--index-dir</c>); null for the location's default.</summary>
    public string? IndexDirectory { get; init; }

    /// <summary>The embedder the hybrid and vector retrievers use.</summary>
    public EmbedderSpec Embedder { get; init; } = EmbedderSpec.Default;

    /// <summary>Whether the user chose the embedder (<c>--embedder</c> or <c>AGENTMEM_EMBEDDER</c>) rather than taking the default.</summary>
    public bool EmbedderChosen { get; init; }

    /// <summary>Byte budget of the per-cube search indexes, in MiB.</summary>
    public int CacheMb { get; init; } = (int)(RetrievalStateOptions.DefaultCacheBytes >> 20);

    /// <summary>Whether model embeddings are computed in the background (the service), rather than before a command answers.</summary>
    public bool EmbedInBackground { get; init; }

    /// <summary>
    /// Whether a search of a cube past the ANN threshold builds its SPANN index in the background: for the processes that
    /// live on (serve, mcp, chat, the benchmarks). A one-shot command exited long before such a build finished, waited for
    /// it when closing and then threw it away, so it searches such a cube exactly instead (<c>agentmem index build</c>
    /// saves an index every later command opens).
    /// </summary>
    public bool BuildAnnInBackground { get; init; }

    /// <summary>A setting from the environment, or null when unset or empty (as a compose file's <c>X=</c> or <c>${X}</c> leaves it).</summary>
    internal static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { } text && !string.IsNullOrWhiteSpace(text) ? text : null;

    /// <summary>A tuning knob from the environment (documented in the README), or null when unset.</summary>
    internal static int? EnvInt(string name) =>
        Env(name) is { } text
            ? int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int value) && value > 0
                ? value
                : throw new MemoryCore.Errors.MemoryValidationException($"{name} must be a positive whole number; got '{text}'.")
            : null;

    /// <summary>Opens (creating and migrating as needed) the store at <see cref="Db"/>.</summary>
    public IMemoryStore OpenStore() => Db.Open(new SchemaUpgradeNotices(Output));

    /// <summary>
    /// Opens the store at <see cref="Db"/> and composes it with the hybrid retriever (default), plain BM25 (<c>bm25</c>)
    /// and embedding similarity alone (<c>vector</c>).
    /// </summary>
    public MemoryOS OpenMemory() => Compose(OpenStore());

    /// <summary>The index folder for a store at <paramref name="location"/>: <c>--index-dir</c> for <see cref="Db"/>, else the location's default.</summary>
    public string IndexDirectoryFor(StoreLocation location) => location == Db && IndexDirectory is { } chosen ? Path.GetFullPath(chosen) : location.DefaultIndexDirectory;

    /// <summary>The name of the hashing-embedder hybrid a benchmark compares a sentence model against.</summary>
    public const string HashingBaselineName = "hybrid-hashing";

    /// <summary><c>--reranker</c>: auto, none, or a model file.</summary>
    public string Reranker { get; init; } = "auto";

    /// <summary>
    /// The hybrid retriever's settings for the configured embedder: a sentence model's vectors weigh more than hashed ones,
    /// and the arctic model's searches are reranked by the packaged model unless <c>--reranker</c> says otherwise.
    /// </summary>
    public Retrieval.Hybrid.HybridOptions DefaultHybrid()
    {
        var reranker = ResolveReranker();
        if (Embedder.IsSentenceModel)
        {
            return Retrieval.Hybrid.HybridOptions.ForSentenceEmbedder(reranker);
        }

        return new Retrieval.Hybrid.HybridOptions { Reranker = reranker };
    }

    private Retrieval.Hybrid.Reranking.RerankModel? ResolveReranker()
    {
        switch (Reranker.Trim().ToLowerInvariant())
        {
            case "auto" or "":
                return Embedder.Kind.Equals("arctic", StringComparison.OrdinalIgnoreCase) ? Retrieval.Hybrid.Reranking.RerankModel.ArcticLocomo : null;
            case "none":
                return null;
            default:
                try
                {
                    return Retrieval.Hybrid.Reranking.RerankModel.LoadFile(Reranker);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
                {
                    throw new MemoryCore.Errors.MemoryValidationException($"--reranker: {e.Message} Use auto, none or a model file written by bench/Reranker/train.py.");
                }
        }
    }

    /// <summary>The composition over an opened store, with the configured embedder (and hybrid settings, the defaults when null).</summary>
    public MemoryOS Compose(IMemoryStore store, Retrieval.Hybrid.HybridOptions? hybrid = null) => Compose(store, hybrid, out _);

    /// <summary>The composition, also handing out the retrieval state its hybrid and vector retrievers share.</summary>
    public MemoryOS Compose(IMemoryStore store, Retrieval.Hybrid.HybridOptions? hybrid, out RetrievalState state) => Compose(store, hybrid, hashingBaseline: false, out state);

    /// <summary>
    /// The composition; with <paramref name="hashingBaseline"/> and a sentence-model embedder, also a hybrid retriever named
    /// <c>hybrid-hashing</c> with the default hashing embedder and its own in-memory indexes (a benchmark's side-by-side reference).
    /// The store is the one at <see cref="Db"/> (its indexes in <see cref="IndexDirectoryFor"/>), or, for a SQLite store
    /// opened elsewhere (a benchmark's own database), beside its file.
    /// </summary>
    public MemoryOS Compose(IMemoryStore store, Retrieval.Hybrid.HybridOptions? hybrid, bool hashingBaseline, out RetrievalState state)
    {
        ArgumentNullException.ThrowIfNull(store);
        var location = store is Stores.Sqlite.SqliteMemoryStore sqlite ? new SqliteLocation(sqlite.Path) : Db;
        return Compose(store, location, hybrid, hashingBaseline, out state, out _);
    }

    /// <summary>Opens the store at <paramref name="location"/> (not necessarily <see cref="Db"/>: a benchmark's own database) and composes it, its indexes where that location keeps them.</summary>
    public MemoryOS Compose(StoreLocation location, Retrieval.Hybrid.HybridOptions? hybrid, out RetrievalState state) =>
        Compose(location, hybrid, hashingBaseline: false, out state, out _);

    /// <summary>
    /// <see cref="Compose(StoreLocation, Retrieval.Hybrid.HybridOptions?, out RetrievalState)"/>, with the <c>hybrid-hashing</c>
    /// reference when <paramref name="hashingBaseline"/> (see <see cref="Compose(IMemoryStore, Retrieval.Hybrid.HybridOptions?, bool, out RetrievalState)"/>),
    /// whose own state is <paramref name="baselineState"/> (null without it).
    /// </summary>
    public MemoryOS Compose(StoreLocation location, Retrieval.Hybrid.HybridOptions? hybrid, bool hashingBaseline, out RetrievalState state, out RetrievalState? baselineState)
    {
        ArgumentNullException.ThrowIfNull(location);
        return Compose(location.Open(new SchemaUpgradeNotices(Output)), location, hybrid, hashingBaseline, out state, out baselineState);
    }

    private MemoryOS Compose(IMemoryStore store, StoreLocation location, Retrieval.Hybrid.HybridOptions? hybrid, bool hashingBaseline, out RetrievalState state, out RetrievalState? baselineState)
    {
        var options = new RetrievalStateOptions
        {
            IndexDirectory = IndexDirectoryFor(location),
            CacheBytes = (long)CacheMb << 20,
            AnnThreshold = EnvInt("AGENTMEM_ANN_THRESHOLD") ?? RetrievalStateOptions.DefaultAnnThreshold,
            CheckpointEvery = EnvInt("AGENTMEM_CHECKPOINT_EVERY") ?? new RetrievalStateOptions().CheckpointEvery,
            SnapshotMinimum = EnvInt("AGENTMEM_SNAPSHOT_MINIMUM") ?? new RetrievalStateOptions().SnapshotMinimum,
            BuildAnnInBackground = BuildAnnInBackground,
            // A long-running service keeps a local model off the write path (vectors arrive in the background); a one-shot
            // command has no background to wait for, so it embeds what it needs before answering.
            InlineEmbedLimit = EmbedInBackground && Embedder.IsSentenceModel ? 0 : int.MaxValue,
            QueueAfterWrites = EmbedInBackground && Embedder.IsSentenceModel,
        };
        var retrievers = DefaultRetrievers.Create(store, Embedder.Create(), hybrid ?? DefaultHybrid(), options);
        state = ((Retrieval.Hybrid.HybridRetriever)retrievers[0]).State;
        baselineState = null;
        if (hashingBaseline && Embedder.IsSentenceModel)
        {
            var baseline = new Retrieval.Hybrid.HybridRetriever(store, new Retrieval.Hybrid.HybridOptions { Name = HashingBaselineName });
            baselineState = baseline.State;
            retrievers = [.. retrievers, baseline];
        }

        // The database's own payload folder: the cartridges and adapters written for it go there, and a purge deletes none elsewhere.
        return new(store, retrievers, new MemoryOSOptions { PayloadFolder = Path.GetFullPath(location.PayloadDirectory) });
    }
}
