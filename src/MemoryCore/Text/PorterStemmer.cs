namespace AgentMem.MemoryCore.Text;

/// <summary>
/// The original Porter (1980) suffix-stripping stemmer for lower-case English words, as used by
/// LoCoMo's F1. NLTK's default mode adds a few extensions (irregular forms such as <c>dying</c>,
/// <c>-logi</c>/<c>-bli</c> rules); those rare words may stem differently here.
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

    private static readonly string[] Step4Suffixes =
    [
        "al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ion", "ou",
        "ism", "ate", "iti", "ous", "ive", "ize",
    ];

    /// <summary>The stem of a lower-case word; words of two letters or fewer are returned unchanged.</summary>
    public static string Stem(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        if (word.Length <= 2)
        {
            return word;
        }

        var w = new Word(word);
        Step1A(w);
        Step1B(w);
        Step1C(w);
        ApplyLongest(w, Step2Rules, 0);
        ApplyLongest(w, Step3Rules, 0);
        Step4(w);
        Step5(w);
        return w.ToString();
    }

    private static void Step1A(Word w)
    {
        if (w.EndsWith("sses") || w.EndsWith("ies"))
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
        if (w.EndsWith("y") && w.HasVowel(w.Length - 1))
        {
            w.Replace(1, "i");
        }
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

    /// <summary>A word being stemmed: a buffer plus a current length.</summary>
    private sealed class Word(string text)
    {
        private char[] chars = text.ToCharArray();

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

        /// <summary>Whether the first <paramref name="end"/> letters end consonant-vowel-consonant, the last not w, x or y.</summary>
        public bool EndsCvc(int end) =>
            end >= 3
            && IsConsonant(end - 3) && !IsConsonant(end - 2) && IsConsonant(end - 1)
            && chars[end - 1] is not ('w' or 'x' or 'y');

        public override string ToString() => new(chars, 0, Length);

        private bool IsConsonant(int i) => chars[i] switch
        {
            'a' or 'e' or 'i' or 'o' or 'u' => false,
            'y' => i == 0 || !IsConsonant(i - 1),
            _ => true,
        };
    }
}
