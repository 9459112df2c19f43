using AgentMem.Common.Text;

namespace AgentMem.Retrieval.Lexical;

/// <summary>
/// The analysis every lexical signal shares: Unicode compatibility normalisation, split on anything
/// that is not a letter, a digit or a combining mark inside a word (a vowel sign, virama or haraka), fold case (lower
/// case, and a Greek final sigma as the medial one; accents are kept),
/// drop English function words, Porter-stem. Queries and documents go through the same steps, so their terms meet.
/// </summary>
public static class TextAnalyzer
{
    /// <summary>Longest token kept; longer ones are almost always noise (hashes, URLs).</summary>
    public const int MaxTermLength = 64;

    private const int MaxCachedStems = 200_000;
    private static readonly ConcurrentDictionary<string, string> Stems = new(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="word"/> (lower-case) is an English function word.</summary>
    public static bool IsStopWord(string word) => EnglishStopWords.Contains(word);

    /// <summary>Case-folded word tokens of <paramref name="text"/>, in order, stop words included, unstemmed.</summary>
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
            if (Rune.IsLetterOrDigit(rune) || (sb.Length > 0 && IsCombiningMark(rune)))
            {
                sb.Append(units[..CaseFold(rune).EncodeToUtf16(units)]);
                continue;
            }

            if (IsVariationSelector(rune))
            {
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

    // Lower case, and the final sigma as the medial one (Unicode case folding maps 'ς' to 'σ'): lower-casing turns every
    // 'Σ' into 'σ', while Greek typed in lower case ends a word with 'ς', so "ΟΔΟΣ" and "οδος" would be two words. Only
    // case is folded: accents stay ("κλειστός" is not "κλειστοσ"). NFKC has already mapped the other Greek letter
    // variants ('ϐ', 'ϑ', 'ϕ', 'ϖ', 'ϰ', 'ϱ', 'ϵ') to their plain letters.
    private static Rune CaseFold(Rune rune)
    {
        var lower = Rune.ToLowerInvariant(rune);
        return lower.Value == FinalSigma ? MedialSigma : lower;
    }

    private const int FinalSigma = 0x03C2;
    private static readonly Rune MedialSigma = new(0x03C3);

    // Vowel signs, viramas and nuktas (Indic scripts, Thai) and harakat (Arabic, Hebrew points) are marks, not letters,
    // and NFKC leaves them separate: they spell the word they sit in, so "किताब" (book) is one word and not the
    // consonants it shares with "कुतुब". A mark with no word open (a stray one after a space or a symbol) is dropped.
    private static bool IsCombiningMark(Rune rune) =>
        (Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark)
        && !IsVariationSelector(rune);

    // A variation selector (emoji or text presentation, CJK ideographic variants) picks a glyph and spells nothing: it
    // neither ends a word nor joins it, so "TM" followed by U+FE0F is still the word "tm".
    private static bool IsVariationSelector(Rune rune) =>
        rune.Value is (>= 0xFE00 and <= 0xFE0F) or (>= 0xE0100 and <= 0xE01EF);

    private static void Flush(StringBuilder sb, List<string> words)
    {
        if (sb.Length > 0 && sb.Length <= MaxTermLength)
        {
            words.Add(sb.ToString());
        }

        sb.Clear();
    }
}
