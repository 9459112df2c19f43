using AgentMem.Common.Text;
using AgentMem.MemoryCore.Text;

namespace AgentMem.Stores.InMemory;

/// <summary>
/// Splits text into index terms the way the SQLite store's FTS5 tokenizer (<c>porter unicode61 remove_diacritics 2</c>)
/// does: letters, numbers and private-use characters make tokens (its categories <c>L* N* Co</c>, by code point, so a letter
/// beyond the BMP is one too), everything else separates them, diacritics are dropped, tokens are lower-cased and plain
/// ASCII words are Porter-stemmed. Stop words stay (FTS5 keeps them too), so both stores match the same words.
/// </summary>
internal static class LexicalAnalyzer
{
    /// <summary>FTS5's porter tokenizer leaves longer tokens unstemmed.</summary>
    private const int MaxStemmedLength = 64;

    /// <summary>The terms of <paramref name="text"/>, in order, repeats kept (term frequency matters to BM25).</summary>
    public static List<string> Terms(string? text)
    {
        var terms = new List<string>();
        if (string.IsNullOrEmpty(text))
        {
            return terms;
        }

        var token = new StringBuilder();
        Span<char> units = stackalloc char[2];
        // By code point, not UTF-16 unit: the halves of a surrogate pair are no letters, and split the word they were in.
        foreach (var rune in SafeNormalization.Normalize(text, NormalizationForm.FormD).EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category == UnicodeCategory.NonSpacingMark)
            {
                continue; // a diacritic, decomposed off its letter: dropped without splitting the word
            }

            if (IsTokenCharacter(category))
            {
                token.Append(units[..Fold(rune).EncodeToUtf16(units)]);
                continue;
            }

            Flush(token, terms);
        }

        Flush(token, terms);
        return terms;
    }

    /// <summary>
    /// Lower case as FTS5 unicode61 folds: the BMP and Deseret (U+10400–U+10427) only, so an upper-case Adlam or Osage letter
    /// stays as it is there, and a query in the other case must not match here alone.
    /// </summary>
    private static Rune Fold(Rune rune) => rune.IsBmp || rune.Value is >= 0x10400 and <= 0x10427 ? Rune.ToLowerInvariant(rune) : rune;

    /// <summary>FTS5 unicode61's token characters: letters (L*), numbers of every kind (N*: Nd, Nl, No) and private use (Co).</summary>
    private static bool IsTokenCharacter(UnicodeCategory category) => category is
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
        or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
        or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber
        or UnicodeCategory.PrivateUse;

    private static void Flush(StringBuilder token, List<string> terms)
    {
        if (token.Length == 0)
        {
            return;
        }

        string word = token.ToString();
        token.Clear();
        terms.Add(IsStemmable(word) ? PorterStemmer.Stem(word) : word);
    }

    private static bool IsStemmable(string word)
    {
        if (word.Length > MaxStemmedLength)
        {
            return false;
        }

        foreach (char c in word)
        {
            if (c is < 'a' or > 'z')
            {
                return false;
            }
        }

        return true;
    }
}
