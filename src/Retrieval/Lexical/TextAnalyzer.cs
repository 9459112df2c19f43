using AgentMem.Common.Text;

namespace AgentMem.Retrieval.Lexical;

/// <summary>
/// The analysis every lexical signal shares: Unicode compatibility normalisation, split on anything
/// that is not a letter or digit, lower-case, drop English function words, Porter-stem. Queries and
/// documents go through the same steps, so their terms meet.
/// </summary>
public static class TextAnalyzer
{
    /// <summary>Longest token kept; longer ones are almost always noise (hashes, URLs).</summary>
    public const int MaxTermLength = 64;

    private const int MaxCachedStems = 200_000;
    private static readonly ConcurrentDictionary<string, string> Stems = new(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="word"/> (lower-case) is an English function word.</summary>
    public static bool IsStopWord(string word) => EnglishStopWords.Contains(word);

    /// <summary>Lower-case word tokens of <paramref name="text"/>, in order, stop words included, unstemmed.</summary>
    public static List<string> Words(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = new List<string>();
        var sb = new StringBuilder();
        Span<char> units = stackalloc char[2];

        // By code point, not UTF-16 unit: a letter outside the basic plane (Adlam, Deseret, CJK Extension B) is a
        // surrogate pair, neither half of which is a letter. What this yields is persisted: a change to it bumps
        // lexical.snap's format (its terms) and HashingEmbedder.Version (its vectors).
        foreach (var rune in SafeNormalization.Normalize(text, NormalizationForm.FormKC).EnumerateRunes())
        {
            if (Rune.IsLetterOrDigit(rune))
            {
                sb.Append(units[..Rune.ToLowerInvariant(rune).EncodeToUtf16(units)]);
                continue;
            }

            Flush(sb, words);
        }

        Flush(sb, words);
        return words;
    }

    /// <summary>Stemmed content terms of <paramref name="text"/>, in order, repeats kept (term frequency matters).</summary>
    public static List<string> Terms(string text)
    {
        var words = Words(text);
        var terms = new List<string>(words.Count);
        foreach (string w in words)
        {
            if (!EnglishStopWords.Contains(w))
            {
                terms.Add(Stem(w));
            }
        }

        return terms;
    }

    /// <summary>Porter stem, cached: the same few thousand words recur in every conversation.</summary>
    public static string Stem(string word)
    {
        if (Stems.TryGetValue(word, out var stem))
        {
            return stem;
        }

        stem = PorterStemmer.Stem(word);
        if (Stems.Count < MaxCachedStems)
        {
            Stems.TryAdd(word, stem);
        }

        return stem;
    }

    private static void Flush(StringBuilder sb, List<string> words)
    {
        if (sb.Length > 0 && sb.Length <= MaxTermLength)
        {
            words.Add(sb.ToString());
        }

        sb.Clear();
    }
}
