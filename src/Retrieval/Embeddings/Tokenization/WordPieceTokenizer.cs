using System.Globalization;
using System.Text.Json;

namespace AgentMem.Retrieval.Embeddings.Tokenization;

/// <summary>
/// A BERT WordPiece tokenizer: <see cref="BertNormalizer"/> → <see cref="BertPreTokenizer"/> →
/// <see cref="WordPieceModel"/> → <see cref="WordPieceDecoder"/>, with the <c>[CLS] … [SEP]</c> template.
/// Thread-safe once built.
/// </summary>
public sealed class WordPieceTokenizer
{
    private readonly HashSet<int> _specialIds;
    private readonly List<(string Token, int Id)> _specialTokens = [];

    /// <summary>Assembles a tokenizer from its stages.</summary>
    /// <exception cref="ModelFormatException">A special token is missing from the vocabulary.</exception>
    public WordPieceTokenizer(WordPieceModel model, BertNormalizer? normalizer = null, WordPieceDecoder? decoder = null,
        string classificationToken = "[CLS]", string separatorToken = "[SEP]", string paddingToken = "[PAD]",
        IEnumerable<string>? additionalSpecialTokens = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        Normalizer = normalizer;
        Decoder = decoder ?? new WordPieceDecoder(model.ContinuingSubwordPrefix);
        ClassificationId = RequireId(model, classificationToken);
        SeparatorId = RequireId(model, separatorToken);
        PaddingId = RequireId(model, paddingToken);
        _specialIds = [ClassificationId, SeparatorId, PaddingId, model.UnknownId];
        foreach (string token in (string[])[classificationToken, separatorToken, paddingToken, model.UnknownToken, .. additionalSpecialTokens ?? []])
        {
            if (model.TokenToId(token) is int id && !_specialTokens.Contains((token, id)))
            {
                _specialIds.Add(id);
                _specialTokens.Add((token, id));
            }
        }

        // Longest first, so a special token that starts another one cannot shadow it.
        _specialTokens.Sort((a, b) => b.Token.Length.CompareTo(a.Token.Length));
    }

    /// <summary>The normaliser, or null when text is used as is.</summary>
    public BertNormalizer? Normalizer { get; }

    /// <summary>The WordPiece model.</summary>
    public WordPieceModel Model { get; }

    /// <summary>The decoder.</summary>
    public WordPieceDecoder Decoder { get; }

    /// <summary>Id of <c>[CLS]</c>, put first when special tokens are added.</summary>
    public int ClassificationId { get; }

    /// <summary>Id of <c>[SEP]</c>, put last when special tokens are added.</summary>
    public int SeparatorId { get; }

    /// <summary>Id of <c>[PAD]</c>.</summary>
    public int PaddingId { get; }

    /// <summary>Number of ids in the vocabulary.</summary>
    public int VocabularySize => Model.VocabularySize;

    /// <summary>Encodes <paramref name="text"/> to ids.</summary>
    /// <param name="text">The text; empty text gives just the special tokens.</param>
    /// <param name="addSpecialTokens">Wrap the ids in <c>[CLS]</c> … <c>[SEP]</c>.</param>
    /// <param name="maxLength">Truncate to this many ids (special tokens included, <c>[SEP]</c> kept last).</param>
    public IReadOnlyList<int> EncodeToIds(string text, bool addSpecialTokens = true, int maxLength = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(text);
        int reserved = addSpecialTokens ? 2 : 0;
        if (maxLength < reserved + (addSpecialTokens ? 0 : 1))
        {
            throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, string.Create(CultureInfo.InvariantCulture, $"maxLength must leave room for the special tokens (at least {Math.Max(reserved, 1)})."));
        }

        var ids = new List<int>();
        if (addSpecialTokens)
        {
            ids.Add(ClassificationId);
        }

        int limit = maxLength == int.MaxValue ? int.MaxValue : maxLength - (addSpecialTokens ? 1 : 0);
        var words = new List<PreToken>();

        // Special tokens written in the text ("[MASK]") are matched verbatim before normalisation, as HF does.
        int segmentStart = 0;
        for (int i = 0; i <= text.Length && ids.Count < limit; i++)
        {
            (string Token, int Id) special = i < text.Length ? MatchSpecial(text, i) : default;
            if (i < text.Length && special.Token is null)
            {
                continue;
            }

            EncodeSegment(text[segmentStart..i], ids, words, limit);
            if (special.Token is not null && ids.Count < limit)
            {
                ids.Add(special.Id);
                i += special.Token.Length - 1;
            }

            segmentStart = i + 1;
        }

        if (addSpecialTokens)
        {
            ids.Add(SeparatorId);
        }

        return ids;
    }

    /// <summary>The tokens (strings) of <paramref name="text"/>, with the same arguments as <see cref="EncodeToIds"/>.</summary>
    public IReadOnlyList<string> EncodeToTokens(string text, bool addSpecialTokens = true, int maxLength = int.MaxValue)
    {
        IReadOnlyList<int> ids = EncodeToIds(text, addSpecialTokens, maxLength);
        var tokens = new string[ids.Count];
        for (int i = 0; i < ids.Count; i++)
        {
            tokens[i] = Model.IdToToken(ids[i])!;
        }

        return tokens;
    }

    /// <summary>Number of ids <see cref="EncodeToIds"/> would return.</summary>
    public int CountTokens(string text, bool addSpecialTokens = true) => EncodeToIds(text, addSpecialTokens).Count;

    /// <summary>Turns ids back into text.</summary>
    /// <param name="ids">Token ids.</param>
    /// <param name="skipSpecialTokens">Leave out <c>[CLS]</c>, <c>[SEP]</c>, <c>[PAD]</c> and other special tokens (<c>[UNK]</c> is kept).</param>
    /// <exception cref="ArgumentOutOfRangeException">An id is not in the vocabulary.</exception>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var tokens = new List<string>();
        foreach (int id in ids)
        {
            string token = Model.IdToToken(id) ?? throw new ArgumentOutOfRangeException(nameof(ids), id, "The id is not in the vocabulary.");
            if (skipSpecialTokens && id != Model.UnknownId && _specialIds.Contains(id))
            {
                continue;
            }

            tokens.Add(token);
        }

        return Decoder.Decode(tokens);
    }

    /// <summary>Loads a <c>vocab.txt</c> (one token per line, id = line number − 1).</summary>
    /// <exception cref="ModelFormatException">The file is missing, empty or lacks a special token.</exception>
    public static WordPieceTokenizer FromVocabFile(string vocabPath, bool lowercase = true, bool? stripAccents = null, bool handleChineseChars = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(vocabPath);
        if (!File.Exists(vocabPath))
        {
            throw new ModelFormatException($"The vocabulary file '{vocabPath}' does not exist.");
        }

        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        int id = 0;
        foreach (string line in File.ReadLines(vocabPath))
        {
            // HF keeps the first id of a duplicated line; trailing CR/spaces come from files edited on other systems.
            vocab.TryAdd(line.TrimEnd('\r', '\n', ' '), id);
            id++;
        }

        var model = new WordPieceModel(vocab);
        return new WordPieceTokenizer(model, new BertNormalizer(true, handleChineseChars, stripAccents, lowercase), additionalSpecialTokens: ["[MASK]"]);
    }

    /// <summary>Loads a Hugging Face <c>tokenizer.json</c> with a WordPiece model and a BERT normaliser.</summary>
    /// <exception cref="ModelFormatException">The file is missing, not JSON, or describes another kind of tokenizer.</exception>
    public static WordPieceTokenizer FromTokenizerJson(string tokenizerJsonPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(tokenizerJsonPath);
        if (!File.Exists(tokenizerJsonPath))
        {
            throw new ModelFormatException($"The tokenizer file '{tokenizerJsonPath}' does not exist.");
        }

        try
        {
            using FileStream stream = File.OpenRead(tokenizerJsonPath);
            using JsonDocument doc = JsonDocument.Parse(stream);
            return TokenizerJsonReader.Read(doc.RootElement, tokenizerJsonPath);
        }
        catch (JsonException ex)
        {
            throw new ModelFormatException($"The tokenizer file '{tokenizerJsonPath}' is not valid JSON: {ex.Message}", ex);
        }
    }

    private void EncodeSegment(string segment, List<int> ids, List<PreToken> words, int limit)
    {
        if (segment.Length == 0)
        {
            return;
        }

        string normalized = Normalizer?.Normalize(segment) ?? segment;
        words.Clear();
        BertPreTokenizer.Split(normalized, words);
        foreach (PreToken word in words)
        {
            Model.EncodeWord(normalized.AsSpan(word.Index, word.Length), ids);
            if (ids.Count >= limit)
            {
                ids.RemoveRange(limit, ids.Count - limit);
                return;
            }
        }
    }

    private (string Token, int Id) MatchSpecial(string text, int index)
    {
        foreach ((string Token, int Id) special in _specialTokens)
        {
            if (string.CompareOrdinal(text, index, special.Token, 0, special.Token.Length) == 0 && index + special.Token.Length <= text.Length)
            {
                return special;
            }
        }

        return default;
    }

    private static int RequireId(WordPieceModel model, string token) =>
        model.TokenToId(token) ?? throw new ModelFormatException($"The vocabulary has no special token '{token}'.");
}
