namespace AgentMem.Retrieval.Embeddings.Onnx;

/// <summary>What a sentence-transformer's model card prescribes around the encoder: pooling, prefixes, normalisation.</summary>
/// <param name="Name">The model's name (part of the embedder identity stored with every vector).</param>
/// <param name="Pooling">Token vectors to sentence vector.</param>
/// <param name="QueryPrefix">Prepended to a query (e.g. arctic-embed's retrieval instruction), empty for none.</param>
/// <param name="DocumentPrefix">Prepended to a stored text, empty for none.</param>
/// <param name="Normalize">Whether the sentence vector is scaled to unit length.</param>
public sealed record SentenceModelCard(string Name, SentencePooling Pooling, string QueryPrefix = "", string DocumentPrefix = "", bool Normalize = true)
{
    /// <summary>Snowflake arctic-embed-xs (384 dimensions, retrieval-trained): [CLS] pooling, an instruction before queries.</summary>
    public static SentenceModelCard ArcticXs { get; } = new("snowflake-arctic-embed-xs", SentencePooling.Cls, "Represent this sentence for searching relevant passages: ");

    /// <summary>sentence-transformers all-MiniLM-L6-v2 (384 dimensions): mean pooling, no prefixes.</summary>
    public static SentenceModelCard MiniLM { get; } = new("all-MiniLM-L6-v2", SentencePooling.Mean);

    /// <summary>
    /// The card of a sentence-transformers folder: its name, and [CLS] pooling when <c>1_Pooling/config.json</c> asks for
    /// it (mean otherwise, the library's default). Prefixes are not recorded in such folders: none.
    /// </summary>
    public static SentenceModelCard FromFolder(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        string pooling = Path.Combine(folder, "1_Pooling", "config.json");
        bool cls = false;
        if (File.Exists(pooling))
        {
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(pooling));
            cls = json.RootElement.TryGetProperty("pooling_mode_cls_token", out var flag) && flag.ValueKind == System.Text.Json.JsonValueKind.True;
        }

        return new SentenceModelCard(Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder))), cls ? SentencePooling.Cls : SentencePooling.Mean);
    }
}
