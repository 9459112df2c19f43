using AgentMem.Retrieval.Embeddings.Onnx;

namespace AgentMem.Cli;

/// <summary>Which embedder the vector signal uses: the model-free default, a packaged or local ONNX sentence model, a local BERT folder, or an HTTP service.</summary>
internal sealed record EmbedderSpec(string Kind, string? Model, string? Url)
{
    public static EmbedderSpec Default { get; } = new("hashing", null, null);

    /// <summary>
    /// Whether the vectors come from a sentence model (anything but the lexical hashing embedder): it gets the sentence
    /// fusion weights, and a long-running service embeds with it off the write path (every model is slow next to a write).
    /// </summary>
    public bool IsSentenceModel => !Kind.Equals("hashing", StringComparison.OrdinalIgnoreCase);


    /// <summary>Null for the default hashing embedder (the hybrid retriever fits it per cube).</summary>
    public IEmbeddingGenerator<string, Embedding<float>>? Create()
    {
        switch (Kind.ToLowerInvariant())
        {
            case "hashing":
                return null;
            case "arctic":
            case "minilm":
                return OnnxSentenceEmbedder.LoadPackaged(Kind, OnnxOptions());
            case "onnx":
                if (string.IsNullOrWhiteSpace(Model))
                {
                    throw new MemoryValidationException("--embedder onnx needs --embedder-model: a sentence-transformer folder with model.onnx and vocab.txt.");
                }

                return OnnxSentenceEmbedder.LoadFolder(Model, SentenceModelCard.FromFolder(Model), OnnxOptions());
            case "http":
                if (string.IsNullOrWhiteSpace(Url) || string.IsNullOrWhiteSpace(Model))
                {
                    throw new MemoryValidationException("--embedder http needs --embedder-url (an OpenAI-compatible API base, e.g. http://localhost:11434/v1) and --embedder-model.");
                }

                // An ftp:// URL, or "localhost:11434/v1" (scheme "localhost"), passed a bare absolute-URI check and then
                // failed the client's own check as an unexpected error (exit 2).
                var uri = Commands.EndpointUrl.Parse(Url, "--embedder-url", "the embedding endpoint");

                return OpenAICompatibleClients.CreateEmbeddingGenerator(new OpenAICompatibleOptions
                {
                    BaseUrl = uri,
                    Model = Model,
                    ApiKey = CliContext.Env("AGENTMEM_EMBEDDER_API_KEY"),
                    Timeout = TimeSpan.FromSeconds(60),
                });
            default:
                throw new MemoryValidationException(Kind.Equals("bert", StringComparison.OrdinalIgnoreCase)
                    ? "--embedder bert was removed: BERT-family models run on ONNX Runtime. Use --embedder onnx --embedder-model FOLDER (model.onnx + vocab.txt; export a Hugging Face model with optimum-cli export onnx), or arctic / minilm."
                    : $"Unknown embedder '{Kind}'; use hashing, arctic, minilm, onnx or http.");
        }
    }

    /// <summary>
    /// The ONNX encoder's settings: <c>AGENTMEM_EMBEDDER_THREADS</c> caps its threads (default one per processor). With
    /// every core, texts embed about twice as fast on 2 cores, but a query that arrives while the background embeds
    /// waits longer (bench/Embedding); 1 keeps those queries quicker.
    /// </summary>
    private static OnnxEmbedderOptions OnnxOptions() => new() { Threads = CliContext.EnvInt("AGENTMEM_EMBEDDER_THREADS") ?? 0 };
}
