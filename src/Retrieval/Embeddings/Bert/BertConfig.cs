using System.Globalization;
using System.Text.Json;

namespace AgentMem.Retrieval.Embeddings.Bert;

/// <summary>The hyper-parameters of a BERT encoder, as in a Hugging Face <c>config.json</c>.</summary>
public sealed record BertConfig
{
    /// <summary>Number of token ids (rows of the word embedding).</summary>
    public required int VocabSize { get; init; }

    /// <summary>Width of the hidden states.</summary>
    public required int HiddenSize { get; init; }

    /// <summary>Number of transformer layers.</summary>
    public required int NumHiddenLayers { get; init; }

    /// <summary>Number of attention heads; divides <see cref="HiddenSize"/>.</summary>
    public required int NumAttentionHeads { get; init; }

    /// <summary>Width of the feed-forward layer.</summary>
    public required int IntermediateSize { get; init; }

    /// <summary>Longest input, in tokens (rows of the position embedding).</summary>
    public required int MaxPositionEmbeddings { get; init; }

    /// <summary>Number of segment (token type) ids.</summary>
    public int TypeVocabSize { get; init; } = 2;

    /// <summary>LayerNorm epsilon.</summary>
    public double LayerNormEps { get; init; } = 1e-12;

    /// <summary>Feed-forward activation; only exact <c>gelu</c> (erf) is supported.</summary>
    public string HiddenAct { get; init; } = "gelu";

    /// <summary>Width of one attention head.</summary>
    public int HeadSize => HiddenSize / NumAttentionHeads;

    /// <summary>Reads <c>config.json</c>.</summary>
    /// <exception cref="ModelFormatException">The file is missing, not JSON, lacks a field, or describes an unsupported model.</exception>
    public static BertConfig Load(string configPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(configPath);
        if (!File.Exists(configPath))
        {
            throw new ModelFormatException($"The model configuration '{configPath}' does not exist.");
        }

        return Parse(File.ReadAllText(configPath), configPath);
    }

    /// <summary>Parses the JSON text of a <c>config.json</c>; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="ModelFormatException">The text is not JSON, lacks a field, or describes an unsupported model.</exception>
    public static BertConfig Parse(string json, string source = "config.json")
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ModelFormatException($"The model configuration '{source}' is not a JSON object.");
            }

            string positionType = OptionalString(root, "position_embedding_type") ?? "absolute";
            if (positionType != "absolute")
            {
                throw new ModelFormatException($"The model configuration '{source}' uses '{positionType}' position embeddings; only 'absolute' is supported.");
            }

            var config = new BertConfig
            {
                VocabSize = RequiredInt(root, "vocab_size", source),
                HiddenSize = RequiredInt(root, "hidden_size", source),
                NumHiddenLayers = RequiredInt(root, "num_hidden_layers", source),
                NumAttentionHeads = RequiredInt(root, "num_attention_heads", source),
                IntermediateSize = RequiredInt(root, "intermediate_size", source),
                MaxPositionEmbeddings = RequiredInt(root, "max_position_embeddings", source),
                TypeVocabSize = root.TryGetProperty("type_vocab_size", out _) ? RequiredInt(root, "type_vocab_size", source) : 2,
                LayerNormEps = root.TryGetProperty("layer_norm_eps", out JsonElement eps) && eps.ValueKind == JsonValueKind.Number ? eps.GetDouble() : 1e-12,
                HiddenAct = OptionalString(root, "hidden_act") ?? "gelu",
            };
            config.Validate(source);
            return config;
        }
        catch (JsonException ex)
        {
            throw new ModelFormatException($"The model configuration '{source}' is not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>Checks the values are usable.</summary>
    /// <exception cref="ModelFormatException">A size is not positive, the heads do not divide the width, or the activation is not gelu.</exception>
    public void Validate(string source = "config")
    {
        if (VocabSize <= 0 || HiddenSize <= 0 || NumHiddenLayers <= 0 || NumAttentionHeads <= 0 || IntermediateSize <= 0 || MaxPositionEmbeddings <= 0 || TypeVocabSize <= 0)
        {
            throw new ModelFormatException($"The model configuration '{source}' has a size that is not positive.");
        }

        if (HiddenSize % NumAttentionHeads != 0)
        {
            throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture, $"The model configuration '{source}' has hidden_size {HiddenSize}, not a multiple of num_attention_heads {NumAttentionHeads}."));
        }

        if (!(LayerNormEps > 0) || !double.IsFinite(LayerNormEps))
        {
            throw new ModelFormatException($"The model configuration '{source}' has a layer_norm_eps that is not a positive number.");
        }

        if (HiddenAct != "gelu")
        {
            throw new ModelFormatException($"The model configuration '{source}' uses the activation '{HiddenAct}'; only 'gelu' (exact, erf) is supported.");
        }
    }

    private static int RequiredInt(JsonElement root, string name, string source) =>
        root.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int value)
            ? value
            : throw new ModelFormatException($"The model configuration '{source}' has no integer '{name}'.");

    private static string? OptionalString(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
