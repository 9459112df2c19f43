namespace AgentMem.MemoryCore.Facts;

/// <summary>
/// Normalised word tokens for comparing short statements: lower case, contractions expanded
/// (<c>doesn't</c> → <c>does not</c>, and <c>cannot</c> → <c>can not</c>), forms of <c>be</c>/<c>have</c>/<c>do</c> unified, Porter stems,
/// function words dropped. Used by the rule classifier and by near-duplicate consolidation.
/// </summary>
public static partial class FactText
{
    /// <summary>
    /// Words that turn a statement into its negation. <c>longer</c> is not one (<c>I work longer hours</c>):
    /// it belongs to the negation only after <c>no</c> (see <see cref="IsNegationAt"/>); and a <c>no</c> standing
    /// alone before punctuation answers someone, and one in <c>no doubt</c>, <c>no wonder</c> or <c>no matter</c> affirms,
    /// rather than negating the statement (see <see cref="IsNegated"/>).
    /// </summary>
    public static readonly IReadOnlySet<string> NegationWords = new HashSet<string>(StringComparer.Ordinal) { "not", "no", "never", "anymore", "nobody", "nothing", "neither", "nor" };

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "by", "from", "as", "about",
        "that", "this", "these", "those", "it", "its", "is", "are", "was", "were", "am", "be", "been", "being",
        "do", "does", "did", "done", "will", "would", "shall", "should", "can", "could", "may", "might", "must",
        "very", "really", "also", "still", "just", "now", "then", "so", "too", "some", "any", "all", "s",
    };

    private static readonly Dictionary<string, string> Irregular = new(StringComparer.Ordinal)
    {
        ["has"] = "have", ["had"] = "have", ["having"] = "have",
        ["went"] = "go", ["gone"] = "go", ["goes"] = "go",
        ["lived"] = "live", ["lives"] = "live", ["living"] = "live",
        ["moved"] = "move", ["bought"] = "buy", ["got"] = "get", ["gotten"] = "get",
        ["me"] = "i", ["my"] = "i", ["mine"] = "i", ["myself"] = "i",
        ["favorite"] = "favourite", ["color"] = "colour",
    };

    /// <summary>Lower-cased words with contractions expanded and the possessive <c>'s</c> kept as its own token.</summary>
    public static IReadOnlyList<string> Words(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string s = text.ToLowerInvariant().Replace('\u2019', '\'').Replace('\u2018', '\'');
        s = Contraction().Replace(s, m => m.Value switch
        {
            "cannot" or "can't" => "can not", // "cannot" is one word, but a negation like "can't"
            "won't" => "will not",
            "n't" => " not",
            "'m" => " am",
            "'re" => " are",
            "'ve" => " have",
            "'ll" => " will",
            "'d" => " would",
            _ => " 's",
        });
        var words = new List<string>();
        var current = new StringBuilder();
        // By character, not UTF-16 unit: a letter beyond the BMP (Adlam, CJK Extension B) is a surrogate pair, neither half of
        // which is a letter, and a word of such letters was dropped (two facts of nothing but them compared as the same).
        for (int i = 0; i < s.Length;)
        {
            int length = LetterOrDigitAt(s, i);
            if (length > 0)
            {
                current.Append(s, i, length);
                i += length;
                continue;
            }

            Flush();
            if (s[i] == '\'' && i + 1 < s.Length && s[i + 1] == 's' && (i + 2 == s.Length || LetterOrDigitAt(s, i + 2) == 0))
            {
                words.Add("'s");
                i++;
            }

            i++;
        }

        Flush();
        return words;

        void Flush()
        {
            if (current.Length > 0)
            {
                words.Add(current.ToString());
                current.Clear();
            }
        }
    }

    // The UTF-16 length of the letter or digit at index, or 0 when none is there (a lone surrogate decodes as U+FFFD, no letter).
    private static int LetterOrDigitAt(string s, int index)
    {
        _ = Rune.DecodeFromUtf16(s.AsSpan(index), out var rune, out int length);
        return Rune.IsLetterOrDigit(rune) ? length : 0;
    }

    /// <summary>The canonical form of one word: irregular forms unified, then a Porter stem.</summary>
    public static string Canonical(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        return PorterStemmer.Stem(Irregular.TryGetValue(word, out var mapped) ? mapped : word);
    }

    /// <summary>The content terms of <paramref name="text"/>: canonical words without function or negation words.</summary>
    public static HashSet<string> ContentTerms(string text)
    {
        var terms = new HashSet<string>(StringComparer.Ordinal);
        var words = Words(text);
        for (int i = 0; i < words.Count; i++)
        {
            string w = words[i];
            if (w == "'s" || StopWords.Contains(w) || IsNegationAt(words, i))
            {
                continue;
            }

            terms.Add(Canonical(w));
        }

        return terms;
    }

    /// <summary>Whether <paramref name="words"/>[<paramref name="index"/>] is part of a negation: one of <see cref="NegationWords"/>, or the <c>longer</c> of <c>no longer</c> / <c>(not) any longer</c>.</summary>
    public static bool IsNegationAt(IReadOnlyList<string> words, int index)
    {
        ArgumentNullException.ThrowIfNull(words);
        return NegationWords.Contains(words[index]) || (words[index] == "longer" && index > 0 && words[index - 1] is "no" or "any");
    }

    /// <summary>
    /// Whether <paramref name="text"/> negates what it states (<c>not</c>, any <c>n't</c>, <c>never</c>, <c>no longer</c>, …).
    /// A <c>no</c> followed by punctuation is an answer (<c>No, I still work there</c>) and does not count, nor does one
    /// that affirms (<c>No doubt I still work there</c>, <c>no wonder</c>, <c>no matter</c>).
    /// </summary>
    public static bool IsNegated(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Words(NonNegatingNo().Replace(text, " ")).Any(NegationWords.Contains);
    }

    /// <summary>Jaccard similarity |A∩B| / |A∪B| of two term sets; 0 for two empty sets (nothing shows them alike).</summary>
    public static double Jaccard(IReadOnlySet<string> a, IReadOnlySet<string> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count == 0 && b.Count == 0)
        {
            return 0.0; // two texts without content terms ("😀", "🎉") are no known fact of each other
        }

        int common = a.Count <= b.Count ? a.Count(b.Contains) : b.Count(a.Contains);
        return (double)common / (a.Count + b.Count - common);
    }

    // A suffix is a contraction only after a letter and at the end of the word: a quote is no apostrophe ("'Dune'" is no "'d").
    [GeneratedRegex(@"\b(?:cannot|can't|won't)\b|(?<=\p{L})(?:n't|'(?:m|re|ve|ll|d|s))\b", RegexOptions.CultureInvariant)]
    private static partial Regex Contraction();

    // "No," "No." "no!": the word answers a question; a hyphen is left alone ("no-one" negates). "No doubt", "no wonder" and
    // "no matter" affirm what follows ("No doubt Bob went" says he went).
    [GeneratedRegex(@"\bno\b(?=[ \t]*[,.!?;:\u2013\u2014]|\s+(?:doubt|wonder|matter)\b)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex NonNegatingNo();
}
