using AgentMem.Common;

namespace AgentMem.Retrieval.Embeddings.Onnx;

/// <summary>
/// What a sentence-transformer's model card prescribes around the encoder: pooling, prefixes, normalisation, the longest
/// text it reads. The embedder's model id names these settings when they differ from the usual card of the name, so
/// vectors made otherwise are kept apart.
/// </summary>
/// <param name="Name">The model's name (part of the embedder identity stored with every vector).</param>
/// <param name="Pooling">Token vectors to sentence vector.</param>
/// <param name="QueryPrefix">Prepended to a query (e.g. arctic-embed's retrieval instruction), empty for none.</param>
/// <param name="DocumentPrefix">Prepended to a stored text, empty for none.</param>
/// <param name="Normalize">Whether the sentence vector is scaled to unit length.</param>
public sealed record SentenceModelCard(string Name, SentencePooling Pooling, string QueryPrefix = "", string DocumentPrefix = "", bool Normalize = true)
{
    private readonly int? maxTokens;

    /// <summary>Snowflake arctic-embed-xs (384 dimensions, retrieval-trained): [CLS] pooling, an instruction before queries, 512 tokens.</summary>
    public static SentenceModelCard ArcticXs { get; } = new("snowflake-arctic-embed-xs", SentencePooling.Cls, "Represent this sentence for searching relevant passages: ") { MaxTokens = 512 };

    /// <summary>sentence-transformers all-MiniLM-L6-v2 (384 dimensions): mean pooling, no prefixes, 256 tokens.</summary>
    public static SentenceModelCard MiniLM { get; } = new("all-MiniLM-L6-v2", SentencePooling.Mean) { MaxTokens = 256 };

    /// <summary>
    /// The most tokens the model reads of a text ([CLS] and [SEP] included): its sentence-transformers <c>max_seq_length</c>,
    /// the length it was trained on, so longer texts are cut as the reference model cuts them. Texts are cut at the smaller
    /// of this and <see cref="OnnxEmbedderOptions.MaxTokens"/>; null: the options' alone.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to less than 3 ([CLS], one token, [SEP]).</exception>
    public int? MaxTokens
    {
        get => maxTokens;
        init
        {
            if (value is < 3)
            {
                throw new ArgumentOutOfRangeException(nameof(MaxTokens), value, "A model reads at least 3 tokens of a text: [CLS], one token, [SEP].");
            }

            maxTokens = value;
        }
    }

    /// <summary>
    /// The card of a sentence-transformers folder: its name, the pooling <c>1_Pooling/config.json</c> asks for: [CLS]
    /// or mean (mean when there is no such file, the library's default; mean over sqrt(length) is mean once normalised),
    /// and the <c>max_seq_length</c> of its <c>sentence_bert_config.json</c> (<see cref="MaxTokens"/>; none without one).
    /// Prefixes are not recorded in such folders: none.
    /// </summary>
    /// <exception cref="ModelFormatException">
    /// The folder asks for another pooling (max, weighted mean, last token) or several, its pooling config is not a JSON
    /// object, or its sentence_bert_config.json is not one or has a max_seq_length that is not a whole number of at least 3.
    /// </exception>
    public static SentenceModelCard FromFolder(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        string pooling = Path.Combine(folder, "1_Pooling", "config.json");
        var mode = SentencePooling.Mean;
        if (File.Exists(pooling))
        {
            using var json = ParseObject(pooling);
            var asked = json.RootElement.EnumerateObject()
                .Where(p => p.Name.StartsWith("pooling_mode_", StringComparison.Ordinal) && p.Value.ValueKind == System.Text.Json.JsonValueKind.True)
                .Select(p => p.Name["pooling_mode_".Length..])
                .ToList();

            // Anything else was pooled as mean without a word: vectors that do not match the model's.
            var known = asked.Select(a => a switch { "cls_token" => SentencePooling.Cls, "mean_tokens" or "mean_sqrt_len_tokens" => SentencePooling.Mean, _ => (SentencePooling?)null }).Distinct().ToList();
            if (known.Count > 1 || known.Contains(null))
            {
                throw new ModelFormatException($"'{pooling}' asks for {string.Join(" + ", asked)} pooling; this build pools by [CLS] or mean, one of them.");
            }

            mode = known.Count == 1 ? known[0]!.Value : SentencePooling.Mean;
        }

        return new SentenceModelCard(Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder))), mode) { MaxTokens = FolderMaxTokens(folder) };
    }

    /// <summary>The <c>max_seq_length</c> of <paramref name="folder"/>'s <c>sentence_bert_config.json</c>; null without the file or the setting.</summary>
    /// <exception cref="ModelFormatException">The file is no JSON object, or the setting is not a whole number of at least 3.</exception>
    internal static int? FolderMaxTokens(string folder)
    {
        string config = Path.Combine(folder, "sentence_bert_config.json");
        if (!File.Exists(config))
        {
            return null;
        }

        using var json = ParseObject(config);
        if (!json.RootElement.TryGetProperty("max_seq_length", out var length) || length.ValueKind == System.Text.Json.JsonValueKind.Null)
        {
            return null;
        }

        return length.ValueKind == System.Text.Json.JsonValueKind.Number && length.TryGetInt32(out int tokens) && tokens >= 3
            ? tokens
            : throw new ModelFormatException($"'{config}': max_seq_length is {length.GetRawText()}, not a whole number of tokens of at least 3.");
    }

    // A truncated or empty file threw JsonException and a root other than an object InvalidOperationException, where
    // callers (LoadFolder, the CLI) expect the documented ModelFormatException for a malformed folder.
    private static System.Text.Json.JsonDocument ParseObject(string path)
    {
        System.Text.Json.JsonDocument json;
        try
        {
            json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new ModelFormatException($"'{path}' is not valid JSON ({e.Message}).", e);
        }

        if (json.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object)
        {
            json.Dispose();
            throw new ModelFormatException($"'{path}' holds no JSON object of settings.");
        }

        return json;
    }
}
