using System.Globalization;
using System.Text;

namespace AgentMem.Retrieval.Embeddings.Tokenization;

/// <summary>BERT's pre-tokenizer: splits normalised text on whitespace and makes every punctuation character its own word.</summary>
public static class BertPreTokenizer
{
    /// <summary>Appends the words of <paramref name="text"/> to <paramref name="words"/> as offsets into the text.</summary>
    public static void Split(string text, List<PreToken> words)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(words);
        int start = -1;
        int i = 0;
        while (i < text.Length)
        {
            Rune.DecodeFromUtf16(text.AsSpan(i), out Rune rune, out int width);
            if (BertNormalizer.IsWhitespace(rune))
            {
                Flush(words, ref start, i);
            }
            else if (IsPunctuation(rune))
            {
                Flush(words, ref start, i);
                words.Add(new PreToken(i, width));
            }
            else if (start < 0)
            {
                start = i;
            }

            i += width;
        }

        Flush(words, ref start, text.Length);
    }

    /// <summary>Punctuation as BERT sees it: every non-alphanumeric ASCII symbol ($, +, ^ included) and Unicode P* categories.</summary>
    internal static bool IsPunctuation(Rune rune)
    {
        int cp = rune.Value;
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126))
        {
            return true;
        }

        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }

    private static void Flush(List<PreToken> words, ref int start, int end)
    {
        if (start >= 0)
        {
            words.Add(new PreToken(start, end - start));
            start = -1;
        }
    }
}
