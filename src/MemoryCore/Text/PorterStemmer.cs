namespace AgentMem.MemoryCore.Text;

/// <summary>
/// The Porter (1980) suffix-stripping stemmer for lower-case English words: the original algorithm (the lexical
/// indexes' stems), or NLTK's default extensions of it (<see cref="PorterStemmerMode.NltkExtensions"/>, the stems of
/// LoCoMo's answer F1).
/// </summary>
public static class PorterStemmer
{
    // Each step's rules; at every step the longest matching suffix decides, and if its condition
    // fails the word is left alone at that step (as in Porter's reference implementation).
    private static readonly (string Suffix, string Replacement)[] Step2Rules =
    [
        ("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("izer", "ize"),
        ("abli", "able"), ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous"),
        ("ization", "ize"), ("ation", "ate"), ("ator", "ate"), ("alism", "al"), ("iveness", "ive"),
        ("fulness", "ful"), ("ousness", "ous"), ("aliti", "al"), ("iviti", "ive"), ("biliti", "ble"),
    ];

    private static readonly (string Suffix, string Replacement)[] Step3Rules =
    [
        ("icate", "ic"), ("ative", ""), ("alize", "al"), ("iciti", "ic"), ("ical", "ic"), ("ful", ""), ("ness", ""),
    ];

    // NLTK_EXTENSIONS' step 2: -abli gives way to -bli (so "possibli" -> "possible"), and -fulli joins; -logi, whose
    // condition is on the stem with its "l", is applied on its own (Step2Nltk).
    private static readonly (string Suffix, string Replacement)[] Step2NltkRules =
    [
        .. Step2Rules.Where(r => r.Suffix != "abli"), ("bli", "ble"), ("fulli", "ful"),
    ];

    // Porter's irregular forms, which NLTK_EXTENSIONS looks up before stemming (its "pool").
    private static readonly Dictionary<string, string> NltkIrregular = new(StringComparer.Ordinal)
    {
        ["sky"] = "sky", ["skies"] = "sky", ["dying"] = "die", ["lying"] = "lie", ["tying"] = "tie", ["news"] = "news",
        ["innings"] = "inning", ["inning"] = "inning", ["outings"] = "outing", ["outing"] = "outing",
        ["cannings"] = "canning", ["canning"] = "canning", ["howe"] = "howe",
        ["proceed"] = "proceed", ["exceed"] = "exceed", ["succeed"] = "succeed",
    };

    private static readonly string[] Step4Suffixes =
    [
        "al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ion", "ou",
        "ism", "ate", "iti", "ous", "ive", "ize",
    ];

    /// <summary>The stem of a lower-case word by the original algorithm; words of two letters or fewer are returned unchanged.</summary>
    public static string Stem(string word) => Stem(word, PorterStemmerMode.Original);

    /// <summary>The stem of a lower-case word by <paramref name="mode"/>; words of two letters or fewer are returned unchanged.</summary>
    public static string Stem(string word, PorterStemmerMode mode)
    {
        ArgumentNullException.ThrowIfNull(word);
        bool nltk = mode switch
        {
            PorterStemmerMode.Original => false,
            PorterStemmerMode.NltkExtensions => true,
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown Porter stemmer mode."),
        };
        if (nltk && NltkIrregular.TryGetValue(word, out string? irregular))
        {
            return irregular;
        }

        if (word.Length <= 2)
        {
            return word;
        }

        var w = new Word(word, nltk);
        Step1A(w);
        Step1B(w);
        Step1C(w);
        if (nltk)
        {
            Step2Nltk(w);
        }
        else
        {
            ApplyLongest(w, Step2Rules, 0);
        }

        ApplyLongest(w, Step3Rules, 0);
        Step4(w);
        Step5(w);
        return w.ToString();
    }

    private static void Step1A(Word w)
    {
        if (w.Nltk && w.Length == 4 && w.EndsWith("ies"))
        {
            w.Length -= 1; // "dies" -> "die", where the original gives "di" ("flies" -> "fli" either way)
        }
        else if (w.EndsWith("sses") || w.EndsWith("ies"))
        {
            w.Length -= 2;
        }
        else if (!w.EndsWith("ss") && w.EndsWith("s"))
        {
            w.Length -= 1;
        }
    }

    private static void Step1B(Word w)
    {
        if (w.Nltk && w.EndsWith("ied"))
        {
            // "died" -> "die", "cried" -> "cri"; nothing else of step 1b follows.
            w.Replace(3, w.Length == 4 ? "ie" : "i");
            return;
        }

        if (w.EndsWith("eed"))
        {
            if (w.Measure(w.Length - 3) > 0)
            {
                w.Length -= 1;
            }

            return;
        }

        int stem;
        if (w.EndsWith("ed") && w.HasVowel(stem = w.Length - 2))
        {
            w.Length = stem;
        }
        else if (w.EndsWith("ing") && w.HasVowel(stem = w.Length - 3))
        {
            w.Length = stem;
        }
        else
        {
            return;
        }

        if (w.EndsWith("at") || w.EndsWith("bl") || w.EndsWith("iz"))
        {
            w.Append('e');
        }
        else if (w.EndsWithDoubleConsonant() && w.Last is not ('l' or 's' or 'z'))
        {
            w.Length -= 1;
        }
        else if (w.Measure(w.Length) == 1 && w.EndsCvc(w.Length))
        {
            w.Append('e');
        }
    }

    private static void Step1C(Word w)
    {
        // NLTK: only after a consonant that is not the whole stem ("happy" -> "happi", "enjoy" and "by" kept, "spy" -> "spi").
        if (w.EndsWith("y") && (w.Nltk ? w.Length > 2 && w.IsConsonant(w.Length - 2) : w.HasVowel(w.Length - 1)))
        {
            w.Replace(1, "i");
        }
    }

    private static void Step2Nltk(Word w)
    {
        // -alli first, and what it leaves goes through step 2 again.
        if (w.EndsWith("alli") && w.Measure(w.Length - 4) > 0)
        {
            w.Replace(4, "al");
            Step2Nltk(w);
            return;
        }

        // -logi -> -log when the stem with its "l" has m > 0.
        if (w.EndsWith("logi"))
        {
            if (w.Measure(w.Length - 3) > 0)
            {
                w.Length -= 1;
            }

            return;
        }

        ApplyLongest(w, Step2NltkRules, 0);
    }

    private static void ApplyLongest(Word w, (string Suffix, string Replacement)[] rules, int minMeasureExclusive)
    {
        (string Suffix, string Replacement)? best = null;
        foreach ((string suffix, string replacement) in rules)
        {
            if (w.EndsWith(suffix) && (best is null || suffix.Length > best.Value.Suffix.Length))
            {
                best = (suffix, replacement);
            }
        }

        if (best is { } rule && w.Measure(w.Length - rule.Suffix.Length) > minMeasureExclusive)
        {
            w.Replace(rule.Suffix.Length, rule.Replacement);
        }
    }

    private static void Step4(Word w)
    {
        string? best = null;
        foreach (string suffix in Step4Suffixes)
        {
            if (w.EndsWith(suffix) && (best is null || suffix.Length > best.Length))
            {
                best = suffix;
            }
        }

        if (best is null)
        {
            return;
        }

        int stem = w.Length - best.Length;
        if (best == "ion" && (stem == 0 || w[stem - 1] is not ('s' or 't')))
        {
            return;
        }

        if (w.Measure(stem) > 1)
        {
            w.Length = stem;
        }
    }

    private static void Step5(Word w)
    {
        if (w.EndsWith("e"))
        {
            int stem = w.Length - 1;
            int m = w.Measure(stem);
            if (m > 1 || (m == 1 && !w.EndsCvc(stem)))
            {
                w.Length = stem;
            }
        }

        if (w.Last == 'l' && w.EndsWithDoubleConsonant() && w.Measure(w.Length) > 1)
        {
            w.Length -= 1;
        }
    }

    /// <summary>A word being stemmed: a buffer plus a current length, and whether NLTK's extensions apply.</summary>
    private sealed class Word(string text, bool nltk)
    {
        private char[] chars = text.ToCharArray();

        public bool Nltk => nltk;

        public int Length { get; set; } = text.Length;

        public char Last => chars[Length - 1];

        public char this[int index] => chars[index];

        public bool EndsWith(string suffix) =>
            suffix.Length <= Length && chars.AsSpan(Length - suffix.Length, suffix.Length).SequenceEqual(suffix);

        public void Append(char c)
        {
            if (Length == chars.Length)
            {
                Array.Resize(ref chars, chars.Length + 4);
            }

            chars[Length++] = c;
        }

        public void Replace(int suffixLength, string replacement)
        {
            Length -= suffixLength;
            foreach (char c in replacement)
            {
                Append(c);
            }
        }

        /// <summary>Porter's m: the number of vowel-consonant sequences in the first <paramref name="end"/> letters.</summary>
        public int Measure(int end)
        {
            int i = 0;
            while (i < end && IsConsonant(i))
            {
                i++;
            }

            int m = 0;
            while (i < end)
            {
                while (i < end && !IsConsonant(i))
                {
                    i++;
                }

                if (i >= end)
                {
                    break;
                }

                while (i < end && IsConsonant(i))
                {
                    i++;
                }

                m++;
            }

            return m;
        }

        public bool HasVowel(int end)
        {
            for (int i = 0; i < end; i++)
            {
                if (!IsConsonant(i))
                {
                    return true;
                }
            }

            return false;
        }

        public bool EndsWithDoubleConsonant() =>
            Length >= 2 && chars[Length - 1] == chars[Length - 2] && IsConsonant(Length - 1);

        /// <summary>
        /// Whether the first <paramref name="end"/> letters end consonant-vowel-consonant, the last not w, x or y; with NLTK's
        /// extensions, also two letters vowel-consonant ("us" of "use", "ag" of "aging").
        /// </summary>
        public bool EndsCvc(int end) =>
            (end >= 3
                && IsConsonant(end - 3) && !IsConsonant(end - 2) && IsConsonant(end - 1)
                && chars[end - 1] is not ('w' or 'x' or 'y'))
            || (nltk && end == 2 && !IsConsonant(0) && IsConsonant(1));

        public override string ToString() => new(chars, 0, Length);

        public bool IsConsonant(int i) => chars[i] switch
        {
            'a' or 'e' or 'i' or 'o' or 'u' => false,
            'y' => i == 0 || !IsConsonant(i - 1),
            _ => true,
        };
    }
}
