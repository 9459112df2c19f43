using System.Text;

namespace AgentMem.Common.Text;

/// <summary>Unicode normalisation that never throws on text a store can hold.</summary>
/// <remarks>
/// <see cref="string.Normalize(NormalizationForm)"/> throws <see cref="ArgumentException"/> on an unpaired surrogate and on
/// U+FFFE, both of which a string (a tag, a model's output cut mid-character) can carry: a hash, an index or a tokenizer
/// that threw on them failed every later operation on the memory. Here only the runs between such characters are
/// normalised; the characters themselves are kept where they were (none of them composes with a neighbour).
/// </remarks>
public static class SafeNormalization
{
    /// <summary><paramref name="text"/> normalised to <paramref name="form"/>, unpaired surrogates and U+FFFE kept as they are.</summary>
    public static string Normalize(string text, NormalizationForm form)
    {
        ArgumentNullException.ThrowIfNull(text);
        int bad = FindUnnormalizable(text, 0);
        if (bad < 0)
        {
            return text.Normalize(form);
        }

        var result = new StringBuilder(text.Length);
        int start = 0;
        for (; bad >= 0; bad = FindUnnormalizable(text, start))
        {
            result.Append(text[start..bad].Normalize(form)).Append(text[bad]);
            start = bad + 1;
        }

        return result.Append(text[start..].Normalize(form)).ToString();
    }

    /// <summary>Index of the first unpaired surrogate at or after <paramref name="start"/>, or −1.</summary>
    public static int FindLoneSurrogate(string text, int start)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Find(text, start, reservedToo: false);
    }

    private static int FindUnnormalizable(string text, int start) => Find(text, start, reservedToo: true);

    // One linear pass from start (scanning for U+FFFE and for a lone surrogate separately rescanned the tail for every U+FFFE).
    private static int Find(string text, int start, bool reservedToo)
    {
        for (int i = start; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++; // a pair
            }
            else if (char.IsSurrogate(c) || (reservedToo && c == '\uFFFE'))
            {
                return i;
            }
        }

        return -1;
    }
}
