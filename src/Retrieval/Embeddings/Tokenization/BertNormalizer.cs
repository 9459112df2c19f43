using System.Globalization;
using System.Text;

namespace AgentMem.Retrieval.Embeddings.Tokenization;

/// <summary>
/// BERT's text normaliser (the first stage of <see cref="WordPieceTokenizer"/>): drops control characters,
/// maps every whitespace to a space, surrounds CJK ideographs with spaces, strips accents and lower-cases.
/// </summary>
public sealed class BertNormalizer
{
    /// <summary>Creates a normaliser with HF's <c>BertNormalizer</c> flags.</summary>
    /// <param name="cleanText">Remove control characters and map whitespace to spaces.</param>
    /// <param name="handleChineseChars">Put spaces around CJK ideographs so each becomes its own word.</param>
    /// <param name="stripAccents">Remove combining marks after NFD; null follows <paramref name="lowercase"/> as HF does.</param>
    /// <param name="lowercase">Lower-case with the invariant culture.</param>
    public BertNormalizer(bool cleanText = true, bool handleChineseChars = true, bool? stripAccents = null, bool lowercase = true)
    {
        CleanText = cleanText;
        HandleChineseChars = handleChineseChars;
        StripAccents = stripAccents ?? lowercase;
        Lowercase = lowercase;
    }

    /// <summary>Whether control characters are removed and whitespace mapped to spaces.</summary>
    public bool CleanText { get; }

    /// <summary>Whether CJK ideographs are surrounded with spaces.</summary>
    public bool HandleChineseChars { get; }

    /// <summary>Whether accents (combining marks after NFD) are removed.</summary>
    public bool StripAccents { get; }

    /// <summary>Whether the text is lower-cased.</summary>
    public bool Lowercase { get; }

    /// <summary>Returns the normalised form of <paramref name="text"/>.</summary>
    public string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder(text.Length + 8);
        foreach (Rune rune in text.EnumerateRunes())
        {
            if (CleanText)
            {
                if (rune.Value == 0 || rune.Value == 0xFFFD || IsControl(rune))
                {
                    continue;
                }

                if (IsWhitespace(rune))
                {
                    sb.Append(' ');
                    continue;
                }
            }

            if (HandleChineseChars && IsCjk(rune.Value))
            {
                sb.Append(' ').Append(rune.ToString()).Append(' ');
            }
            else
            {
                sb.Append(rune.ToString());
            }
        }

        string result = sb.ToString();
        if (StripAccents)
        {
            result = RemoveAccents(result);
        }

        // HF strips accents before lower-casing; the order only matters for a handful of letters but we follow it.
        return Lowercase ? result.ToLowerInvariant() : result;
    }

    /// <summary>Whitespace as BERT sees it: tab, newline, carriage return, and the Unicode space separators.</summary>
    internal static bool IsWhitespace(Rune rune) =>
        rune.Value is ' ' or '\t' or '\n' or '\r' || Rune.GetUnicodeCategory(rune) == UnicodeCategory.SpaceSeparator;

    // BERT treats tab/newline/CR as whitespace rather than control, and any other Cc/Cf character as noise.
    private static bool IsControl(Rune rune)
    {
        if (rune.Value is '\t' or '\n' or '\r')
        {
            return false;
        }

        UnicodeCategory category = Rune.GetUnicodeCategory(rune);
        return category is UnicodeCategory.Control or UnicodeCategory.Format;
    }

    /// <summary>The CJK Unified Ideograph blocks BERT splits per character (not Hangul, Hiragana or Katakana).</summary>
    internal static bool IsCjk(int cp) =>
        (cp >= 0x4E00 && cp <= 0x9FFF) ||
        (cp >= 0x3400 && cp <= 0x4DBF) ||
        (cp >= 0x20000 && cp <= 0x2A6DF) ||
        (cp >= 0x2A700 && cp <= 0x2B73F) ||
        (cp >= 0x2B740 && cp <= 0x2B81F) ||
        (cp >= 0x2B820 && cp <= 0x2CEAF) ||
        (cp >= 0xF900 && cp <= 0xFAFF) ||
        (cp >= 0x2F800 && cp <= 0x2FA1F);

    private static string RemoveAccents(string text)
    {
        string decomposed = text.Normalize(NormalizationForm.FormD);
        var sb = new StringBuilder(decomposed.Length);
        foreach (char c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }
}
