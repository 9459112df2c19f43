using System.Text.Json;

namespace AgentMem.Retrieval.Embeddings.Tokenization;

/// <summary>Reads the parts of a Hugging Face <c>tokenizer.json</c> a BERT WordPiece tokenizer needs.</summary>
internal static class TokenizerJsonReader
{
    public static WordPieceTokenizer Read(JsonElement root, string path)
    {
        if (!root.TryGetProperty("model", out JsonElement model) || model.ValueKind != JsonValueKind.Object)
        {
            throw new ModelFormatException($"The tokenizer file '{path}' has no 'model' object.");
        }

        string type = GetString(model, "type") ?? "";
        if (type != "WordPiece")
        {
            throw new ModelFormatException($"The tokenizer file '{path}' has a '{type}' model; only WordPiece is supported.");
        }

        if (!model.TryGetProperty("vocab", out JsonElement vocabElement) || vocabElement.ValueKind != JsonValueKind.Object)
        {
            throw new ModelFormatException($"The tokenizer file '{path}' has no 'model.vocab' object.");
        }

        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (JsonProperty entry in vocabElement.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out int id))
            {
                throw new ModelFormatException($"The tokenizer file '{path}' gives token '{entry.Name}' a non-integer id.");
            }

            vocab[entry.Name] = id;
        }

        int maxChars = model.TryGetProperty("max_input_chars_per_word", out JsonElement m) && m.ValueKind == JsonValueKind.Number ? m.GetInt32() : 100;
        var wordPiece = new WordPieceModel(vocab, GetString(model, "unk_token") ?? "[UNK]", GetString(model, "continuing_subword_prefix") ?? "##", maxChars);

        BertNormalizer? normalizer = null;
        if (root.TryGetProperty("normalizer", out JsonElement n) && n.ValueKind == JsonValueKind.Object)
        {
            string normalizerType = GetString(n, "type") ?? "";
            if (normalizerType != "BertNormalizer")
            {
                throw new ModelFormatException($"The tokenizer file '{path}' has a '{normalizerType}' normalizer; only BertNormalizer is supported.");
            }

            normalizer = new BertNormalizer(GetBool(n, "clean_text") ?? true, GetBool(n, "handle_chinese_chars") ?? true, GetBool(n, "strip_accents"), GetBool(n, "lowercase") ?? true);
        }

        bool cleanup = true;
        if (root.TryGetProperty("decoder", out JsonElement d) && d.ValueKind == JsonValueKind.Object)
        {
            cleanup = GetBool(d, "cleanup") ?? true;
        }

        var specials = new List<string>();
        if (root.TryGetProperty("added_tokens", out JsonElement added) && added.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement token in added.EnumerateArray())
            {
                if (GetBool(token, "special") == true && GetString(token, "content") is string content)
                {
                    specials.Add(content);
                }
            }
        }

        string pad = root.TryGetProperty("padding", out JsonElement p) && p.ValueKind == JsonValueKind.Object ? GetString(p, "pad_token") ?? "[PAD]" : "[PAD]";
        return new WordPieceTokenizer(wordPiece, normalizer, new WordPieceDecoder(wordPiece.ContinuingSubwordPrefix, cleanup), "[CLS]", "[SEP]", pad, specials);
    }

    private static string? GetString(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static bool? GetBool(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out JsonElement v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;
}
