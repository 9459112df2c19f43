namespace AgentMem.Cli;

/// <summary>Options accepted by every verb, before or after it.</summary>
internal sealed class GlobalOptions(TerminalKind terminal)
{
    public Option<string> Db { get; } = new("--db") { Description = "Database: a SQLite file (created if missing) or a postgresql:// URI. Env AGENTMEM_DB.", DefaultValueFactory = _ => CliContext.Env("AGENTMEM_DB") ?? "./agentmem.db", Recursive = true };

    public Option<string?> IndexDir { get; } = new("--index-dir") { Description = "Folder for this process's search indexes (derived from the database, rebuilt when lost). Default: beside a SQLite file; for PostgreSQL a folder per database in the user's cache. Env AGENTMEM_INDEX_DIR.", DefaultValueFactory = _ => CliContext.Env("AGENTMEM_INDEX_DIR"), Recursive = true };

    public Option<string> Tenant { get; } = new("--tenant") { Description = "Tenant: a hard partition of the data.", DefaultValueFactory = _ => Scope.DefaultTenant, Recursive = true };

    public Option<string?> User { get; } = new("--user") { Description = "Acting user.", Recursive = true };

    public Option<string?> Agent { get; } = new("--agent") { Description = "Acting agent.", Recursive = true };

    public Option<string> Cube { get; } = new("--cube") { Description = "Cube (id or name).", DefaultValueFactory = _ => "default", Recursive = true };

    public Option<bool> Json { get; } = new("--json") { Description = "Machine-readable JSON output.", Recursive = true };

    public Option<bool> Debug { get; } = new("--debug") { Description = "On an unexpected error, print the stack trace too.", Recursive = true };

    public Option<string> Embedder { get; } = new("--embedder") { Description = "Embedder for the vector signal: hashing (default, no model), arctic or minilm (sentence models shipped in NuGet packages, on ONNX Runtime), onnx (a local model.onnx + vocab.txt folder) or http (OpenAI-compatible). Env AGENTMEM_EMBEDDER.", DefaultValueFactory = _ => CliContext.Env("AGENTMEM_EMBEDDER") ?? "hashing", Recursive = true };

    public Option<string?> EmbedderModel { get; } = new("--embedder-model") { Description = "onnx: model folder; http: model name. Env AGENTMEM_EMBEDDER_MODEL.", DefaultValueFactory = _ => CliContext.Env("AGENTMEM_EMBEDDER_MODEL"), Recursive = true };

    public Option<string?> EmbedderUrl { get; } = new("--embedder-url") { Description = "http: API base URL (key in AGENTMEM_EMBEDDER_API_KEY). Env AGENTMEM_EMBEDDER_URL.", DefaultValueFactory = _ => CliContext.Env("AGENTMEM_EMBEDDER_URL"), Recursive = true };

    public Option<string> Reranker { get; } = new("--reranker") { Description = "Learned reranking of the hybrid's best candidates: auto (the packaged model with --embedder arctic, none otherwise), none, or a model file (see bench/Reranker). Env AGENTMEM_RERANKER.", DefaultValueFactory = _ => CliContext.Env("AGENTMEM_RERANKER") ?? "auto", Recursive = true };

    public Option<int> CacheMb { get; } = new("--cache-mb") { Description = "Memory for per-cube search indexes, in MiB (least recently searched cubes are evicted beyond it). Env AGENTMEM_CACHE_MB.", DefaultValueFactory = _ => CliContext.Env("AGENTMEM_CACHE_MB") is not { } env ? (int)(Retrieval.State.RetrievalStateOptions.DefaultCacheBytes >> 20) : int.TryParse(env, out int mb) ? mb : 0, Recursive = true };

    public void AddTo(RootCommand root)
    {
        Option[] options = [Db, IndexDir, Tenant, User, Agent, Cube, Json, Debug, Embedder, EmbedderModel, EmbedderUrl, Reranker, CacheMb];
        foreach (Option option in options)
        {
            root.Options.Add(option);
        }

        CacheMb.Validators.Add(result =>
        {
            // A value that is no number already carries its error: reading it here threw out of the parser
            // ("--cache-mb x" crashed the command instead of being reported).
            if (result.Tokens.Count > 0 && !int.TryParse(result.Tokens[^1].Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
            {
                return;
            }

            if (result.GetValueOrDefault<int>() < 1)
            {
                result.AddError("--cache-mb (or AGENTMEM_CACHE_MB) must be a whole number of MiB, at least 1.");
            }
        });
    }

    /// <summary>The output settings alone: they cannot fail, so even a bad option is reported in the mode asked for.</summary>
    public CliOutput ResolveOutput(ParseResult parse, TextWriter stdout, TextWriter stderr) => new(stdout, stderr, parse.GetValue(Json), terminal);

    public CliContext Resolve(ParseResult parse, TextWriter stdout, TextWriter stderr)
    {
        var output = ResolveOutput(parse, stdout, stderr);
        var db = StoreLocation.Parse(parse.GetValue(Db)!);
        var scope = new Scope(parse.GetValue(Tenant)!, parse.GetValue(User), parse.GetValue(Agent));
        var embedder = new EmbedderSpec(parse.GetValue(Embedder)!, parse.GetValue(EmbedderModel), parse.GetValue(EmbedderUrl));
        bool chosen = parse.GetResult(Embedder) is { Implicit: false } || CliContext.Env("AGENTMEM_EMBEDDER") is not null;
        string cube = parse.GetValue(Cube)!;
        if (string.IsNullOrWhiteSpace(cube))
        {
            // Checked here, not where each verb first uses it: `mcp` bound its tools to it and failed as an unexpected error.
            throw new MemoryValidationException("--cube needs a cube name or id.");
        }

        return new CliContext(db, scope, cube, output) { IndexDirectory = IndexDirectory(parse.GetValue(IndexDir)), Embedder = embedder, EmbedderChosen = chosen, CacheMb = parse.GetValue(CacheMb), Reranker = parse.GetValue(Reranker)! };
    }

    // A folder the indexes can go to, checked before any verb runs: Path.GetFullPath's refusal of "" surfaced as an
    // unexpected error (exit 2, "please report it").
    private static string? IndexDirectory(string? folder)
    {
        if (folder is null)
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(folder))
        {
            throw new MemoryValidationException("--index-dir needs a folder; leave it out for the default.");
        }

        try
        {
            _ = Path.GetFullPath(folder);
            return folder;
        }
        catch (ArgumentException ex)
        {
            throw new MemoryValidationException($"--index-dir: '{folder}' is no folder path: {ex.Message}", ex);
        }
    }
}
