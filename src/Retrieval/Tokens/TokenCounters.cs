using System.Text.Json;
using AgentMem.Common;
using AgentMem.Retrieval.Embeddings.Onnx;

namespace AgentMem.Retrieval.Tokens;

/// <summary>
/// Builds the <see cref="ITokenCounter"/> a spec names: <c>o200k</c> (GPT-4o and later, the default), <c>cl100k</c> (GPT-4,
/// GPT-3.5), <c>heuristic</c> (the documented estimate), or a folder holding a WordPiece <c>vocab.txt</c> or a Hugging Face
/// <c>tokenizer.json</c>. The tiktoken vocabularies ship inside the Microsoft.ML.Tokenizers.Data packages; nothing is downloaded.
/// </summary>
public static class TokenCounters
{
    /// <summary>The spec used when none is given.</summary>
    public const string DefaultSpec = "o200k";

    /// <summary>What a spec may be, for help texts and errors.</summary>
    public const string SpecHelp = "o200k (default), cl100k, heuristic, or a folder with a tokenizer.json or vocab.txt";

    // Loading a tiktoken vocabulary takes a moment and tens of MB: one per process, built on first use.
    private static readonly Lazy<TokenizerTokenCounter> O200k = new(() => new TokenizerTokenCounter(TiktokenTokenizer.CreateForEncoding("o200k_base"), "o200k_base (tiktoken, Microsoft.ML.Tokenizers)"));
    private static readonly Lazy<TokenizerTokenCounter> Cl100k = new(() => new TokenizerTokenCounter(TiktokenTokenizer.CreateForEncoding("cl100k_base"), "cl100k_base (tiktoken, Microsoft.ML.Tokenizers)"));

    /// <summary>The counter <paramref name="spec"/> names (<see cref="DefaultSpec"/> when null or empty).</summary>
    /// <param name="spec">See <see cref="SpecHelp"/>.</param>
    /// <param name="byteLevelBpe">
    /// Builds a counter for a byte-level BPE <c>tokenizer.json</c> (GPT-2, Qwen2, SmolLM): its reader lives in the model host,
    /// which this layer does not reference, so hosts pass it in. Without it such a file is refused.
    /// </param>
    /// <exception cref="ArgumentException">The spec is no known name and no folder or file that holds a tokenizer.</exception>
    /// <exception cref="ModelFormatException">The tokenizer file is malformed or of an unsupported kind.</exception>
    public static ITokenCounter Create(string? spec, Func<string, ITokenCounter>? byteLevelBpe = null)
    {
        spec = string.IsNullOrWhiteSpace(spec) ? DefaultSpec : spec.Trim();
        switch (spec.ToLowerInvariant())
        {
            case "o200k" or "o200k_base":
                return O200k.Value;
            case "cl100k" or "cl100k_base":
                return Cl100k.Value;
            case "heuristic":
                return HeuristicTokenCounter.Instance;
        }

        string? vocab = null, json = null;
        if (Directory.Exists(spec))
        {
            vocab = File.Exists(Path.Combine(spec, "vocab.txt")) ? Path.Combine(spec, "vocab.txt") : null;
            json = File.Exists(Path.Combine(spec, "tokenizer.json")) ? Path.Combine(spec, "tokenizer.json") : null;
        }
        else if (File.Exists(spec))
        {
            bool isVocab = Path.GetFileName(spec).Equals("vocab.txt", StringComparison.OrdinalIgnoreCase);
            vocab = isVocab ? spec : null;
            json = !isVocab && spec.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? spec : null;
        }

        // A WordPiece folder usually holds both; vocab.txt is then the simpler, equivalent source.
        if (vocab is not null)
        {
            return WordPiece(vocab);
        }

        if (json is not null)
        {
            string model = ModelType(json);
            if (model == "WordPiece")
            {
                return WordPieceFromJson(json);
            }

            return model == "BPE" && byteLevelBpe is not null ? byteLevelBpe(json)
                : throw new ModelFormatException($"{json}: a '{model}' tokenizer.json cannot count tokens here (supported: WordPiece{(byteLevelBpe is null ? string.Empty : ", byte-level BPE")}).");
        }

        throw new ArgumentException(Directory.Exists(spec)
            ? $"The folder '{spec}' holds no tokenizer.json or vocab.txt: use {SpecHelp}."
            : $"Unknown tokenizer '{spec}': use {SpecHelp}.", nameof(spec));
    }

    // Cased or uncased as the vocabulary's folder says (its tokenizer.json or tokenizer_config.json): a vocab.txt alone does not.
    private static TokenizerTokenCounter WordPiece(string vocab)
    {
        var casing = WordPieceCasing.FromFolder(Path.GetDirectoryName(Path.GetFullPath(vocab))!);
        using var stream = File.OpenRead(vocab);
        return new(BertWordPiece.Create(stream, casing, Path.GetFullPath(vocab)), $"wordpiece ({Path.GetFullPath(vocab)})");
    }

    /// <summary>
    /// A WordPiece tokenizer.json: its <c>model.vocab</c> (token → id) written out in id order as a vocab.txt for the library,
    /// cased or uncased as its normalizer says.
    /// </summary>
    private static TokenizerTokenCounter WordPieceFromJson(string path)
    {
        using var doc = Parse(path);
        // Each element's kind is checked before it is read: JsonElement's getters throw InvalidOperationException (without
        // the file's name) for an element of another kind, and the file may have changed since ModelType read it.
        if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object
            || !model.TryGetProperty("vocab", out var vocab) || vocab.ValueKind != JsonValueKind.Object)
        {
            throw new ModelFormatException($"{path}: model.vocab is missing or not an object.");
        }

        var byId = new SortedDictionary<int, string>();
        foreach (var entry in vocab.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out int id) || id < 0 || !byId.TryAdd(id, entry.Name))
            {
                throw new ModelFormatException($"{path}: vocab entry '{entry.Name}' has no valid, unique id.");
            }
        }

        if (byId.Count == 0 || byId.Keys.Last() != byId.Count - 1)
        {
            throw new ModelFormatException($"{path}: the WordPiece ids are not 0..{byId.Count - 1} without gaps.");
        }

        using var lines = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', byId.Values) + "\n"));
        return new TokenizerTokenCounter(BertWordPiece.Create(lines, WordPieceCasing.FromTokenizerJson(doc.RootElement, path), path), $"wordpiece ({Path.GetFullPath(path)})");
    }

    private static string ModelType(string path)
    {
        using var doc = Parse(path);
        return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("model", out var model) && model.ValueKind == JsonValueKind.Object
            ? model.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String ? type.GetString()! : model.TryGetProperty("merges", out _) ? "BPE" : "?"
            : throw new ModelFormatException($"{path}: no \"model\" object; not a Hugging Face tokenizer.json.");
    }

    private static JsonDocument Parse(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path}: not valid JSON ({e.Message}).", e);
        }
    }
}
