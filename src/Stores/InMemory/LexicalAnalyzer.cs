using AgentMem.Common.Text;
using AgentMem.MemoryCore.Text;

namespace AgentMem.Stores.InMemory;

/// <summary>
/// Splits text into index terms the way the SQLite store's FTS5 tokenizer (<c>porter unicode61 remove_diacritics 2</c>)
/// does: letters and digits make tokens, everything else separates them, diacritics are dropped, tokens are lower-cased
/// and plain ASCII words are Porter-stemmed. Stop words stay (FTS5 keeps them too), so both stores match the same words.
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
        foreach (char c in SafeNormalization.Normalize(text, NormalizationForm.FormD))
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category == UnicodeCategory.NonSpacingMark)
            {
                continue; // a diacritic, decomposed off its letter: dropped without splitting the word
            }

            if (char.IsLetterOrDigit(c) || category == UnicodeCategory.PrivateUse)
            {
                token.Append(char.ToLowerInvariant(c));
                continue;
            }

            Flush(token, terms);
        }

        Flush(token, terms);
        return terms;
    }

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
