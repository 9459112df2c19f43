using System.Text.Json;
using System.Text.RegularExpressions;
using AgentMem.Common;

namespace AgentMem.Retrieval.Embeddings.Onnx;

/// <summary>
/// Microsoft.ML.Tokenizers' <see cref="BertTokenizer"/> set up as BERT: BERT's text clean-up (<see cref="BertTextNormalizer"/>:
/// lower-cased and accents stripped, as uncased BERT, or as the tokenizer's <see cref="WordPieceCasing"/> says) and BERT's
/// own word split: whitespace, and every punctuation character on its own, where punctuation is Unicode's P* categories
/// plus all ASCII symbols (<c>$ + &lt; = &gt; ^ ` | ~</c>). The library's default split keeps those symbols out and drops
/// them ("LGBTQ+" lost its "+" against BERT's reference), so the split is given here.
/// </summary>
internal static partial class BertWordPiece
{
    /// <summary>A tokenizer over the WordPiece vocabulary in <paramref name="vocabulary"/> (vocab.txt, one token a line), read from <paramref name="source"/>.</summary>
    /// <exception cref="ModelFormatException">The vocabulary lacks one of BERT's special tokens or holds a token twice (the message names <paramref name="source"/>).</exception>
    public static BertTokenizer Create(Stream vocabulary, WordPieceCasing casing, string source)
    {
        try
        {
            return BertTokenizer.Create(vocabulary, new BertOptions { LowerCaseBeforeTokenization = casing.LowerCase, RemoveNonSpacingMarks = casing.StripAccents, Normalizer = new BertTextNormalizer(casing), PreTokenizer = new RegexPreTokenizer(WordOrPunctuation(), null) });
        }
        catch (ArgumentException e)
        {
            // The library's message names the token but not the file, and callers expect a malformed tokenizer or model
            // folder to be a ModelFormatException.
            throw new ModelFormatException($"'{source}' is not a BERT WordPiece vocabulary: {e.Message} (one token a line, each once, with [UNK], [CLS], [SEP], [PAD] and [MASK] among them).", e);
        }
    }

    /// <summary>
    /// How many token ids <paramref name="vocabulary"/> (vocab.txt) gives: its last token's line number plus one. A token's
    /// id is its line number, and a blank line is no token but keeps its number.
    /// </summary>
    public static int IdCount(byte[] vocabulary)
    {
        using var reader = new StreamReader(new MemoryStream(vocabulary, writable: false));
        int count = 0, line = 0;
        for (string? token = reader.ReadLine(); token is not null; token = reader.ReadLine(), line++)
        {
            if (token.Length != 0)
            {
                count = line + 1;
            }
        }

        return count;
    }

    /// <summary>A run of characters that are neither BERT whitespace (space, tab, CR, LF, Zs) nor punctuation, or one punctuation character.</summary>
    [GeneratedRegex(@"[^ \t\n\r\p{Zs}!-/:-@\[-`{-~\p{P}]+|[!-/:-@\[-`{-~\p{P}]", RegexOptions.CultureInvariant)]
    private static partial Regex WordOrPunctuation();
}

/// <summary>
/// Whether a WordPiece tokenizer lower-cases texts and strips their accents before splitting them. A vocab.txt does not
/// say: the folder's <c>tokenizer.json</c> (its normalizer) or <c>tokenizer_config.json</c> (<c>do_lower_case</c>) does, and
/// without either it is BERT's uncased default. A cased vocabulary read as uncased gave other tokens than the model's own
/// ("HELLO" one token where it is five), so counts and embeddings were wrong.
/// </summary>
internal readonly record struct WordPieceCasing(bool LowerCase, bool StripAccents)
{
    /// <summary>Uncased BERT: lower-cased, accents stripped (the packaged models, and a vocab.txt alone).</summary>
    public static WordPieceCasing Uncased => new(true, true);

    /// <summary>Whether this is <see cref="Uncased"/>.</summary>
    public bool IsUncased => LowerCase && StripAccents;

    /// <summary>The casing a model or tokenizer folder declares: its tokenizer.json, else its tokenizer_config.json, else uncased.</summary>
    /// <exception cref="ModelFormatException">Either file is not valid JSON or holds a casing setting of the wrong type.</exception>
    public static WordPieceCasing FromFolder(string folder)
    {
        string json = Path.Combine(folder, "tokenizer.json");
        if (File.Exists(json))
        {
            using var doc = Parse(json);
            return FromTokenizerJson(doc.RootElement, json);
        }

        string config = Path.Combine(folder, "tokenizer_config.json");
        if (File.Exists(config))
        {
            using var doc = Parse(config);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                // Hugging Face's BertTokenizer: do_lower_case defaults to true; strip_accents null follows it.
                bool lower = Flag(doc.RootElement, "do_lower_case", true, config);
                return new(lower, Flag(doc.RootElement, "strip_accents", lower, config));
            }
        }

        return Uncased;
    }

    /// <summary>
    /// The casing a tokenizer.json's normalizer applies: a BertNormalizer's <c>lowercase</c> (default true) and
    /// <c>strip_accents</c> (null: as lowercase), or Lowercase and StripAccents steps (in a Sequence too); no normalizer, none.
    /// </summary>
    /// <exception cref="ModelFormatException">A BertNormalizer setting is neither a boolean nor null.</exception>
    public static WordPieceCasing FromTokenizerJson(JsonElement root, string path)
    {
        bool lower = false, strip = false;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("normalizer", out var normalizer))
        {
            Visit(normalizer);
        }

        return new(lower, strip);

        void Visit(JsonElement n)
        {
            if (n.ValueKind != JsonValueKind.Object || !n.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            {
                return;
            }

            switch (type.GetString())
            {
                case "BertNormalizer":
                    bool l = Flag(n, "lowercase", true, path);
                    lower |= l;
                    strip |= Flag(n, "strip_accents", l, path);
                    break;
                case "Lowercase":
                    lower = true;
                    break;
                case "StripAccents":
                    strip = true;
                    break;
                case "Sequence" when n.TryGetProperty("normalizers", out var steps) && steps.ValueKind == JsonValueKind.Array:
                    foreach (var step in steps.EnumerateArray())
                    {
                        Visit(step);
                    }

                    break;
            }
        }
    }

    private static bool Flag(JsonElement owner, string name, bool absent, string path) =>
        !owner.TryGetProperty(name, out var value) ? absent
        : value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Null => absent,
            _ => throw new ModelFormatException($"{path}: \"{name}\" is neither true, false nor null."),
        };

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
