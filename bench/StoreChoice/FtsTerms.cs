using System.Globalization;
using System.Text;
using AgentMem.MemoryCore.Text;

namespace AgentMem.StoreChoice.Bench;

/// <summary>
/// The application-side tokenizer a store without full-text search needs, built to cut text as the SQLite store's
/// FTS5 tokenizer (<c>porter unicode61 remove_diacritics 2</c>) does: letters and digits form tokens, diacritics are
/// dropped, tokens are lower-cased, plain ASCII words up to 64 letters are Porter-stemmed, no stop words removed.
/// </summary>
internal static class FtsTerms
{
    public static List<string> Of(string? text)
    {
        var terms = new List<string>();
        if (string.IsNullOrEmpty(text))
        {
            return terms;
        }

        var token = new StringBuilder();
        foreach (char c in text.Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            if (char.IsLetterOrDigit(c))
            {
                token.Append(char.ToLowerInvariant(c));
            }
            else
            {
                Emit(token, terms);
            }
        }

        Emit(token, terms);
        return terms;
    }

    private static void Emit(StringBuilder token, List<string> terms)
    {
        if (token.Length == 0)
        {
            return;
        }

        string word = token.ToString();
        token.Clear();
        bool plainAscii = word.Length <= 64 && word.All(c => c is >= 'a' and <= 'z');
        terms.Add(plainAscii ? PorterStemmer.Stem(word) : word);
    }
}
