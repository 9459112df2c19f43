namespace AgentMem.Common.Text;

/// <summary>Cuts text to a length without splitting a surrogate pair.</summary>
/// <remarks>
/// <c>text[..n]</c> can end on the first half of an emoji or other character outside the BMP; the lone surrogate left
/// is not valid UTF-16, and the store refuses it, so a preview or a reason cut that way failed the write it was part of.
/// </remarks>
public static class TextClip
{
    /// <summary>The first <paramref name="maxChars"/> characters of <paramref name="text"/>, or one fewer where that would split a pair.</summary>
    public static ReadOnlySpan<char> Prefix(ReadOnlySpan<char> text, int maxChars)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxChars);
        if (text.Length <= maxChars)
        {
            return text;
        }

        return text[..(maxChars > 0 && char.IsHighSurrogate(text[maxChars - 1]) ? maxChars - 1 : maxChars)];
    }

    /// <summary>The last <paramref name="maxChars"/> characters of <paramref name="text"/>, or one fewer where that would split a pair.</summary>
    public static ReadOnlySpan<char> Suffix(ReadOnlySpan<char> text, int maxChars)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxChars);
        if (text.Length <= maxChars)
        {
            return text;
        }

        int start = text.Length - maxChars;
        return text[(maxChars > 0 && char.IsLowSurrogate(text[start]) ? start + 1 : start)..];
    }

    /// <summary>
    /// <paramref name="text"/> when it has at most <paramref name="maxChars"/> characters; otherwise its <see cref="Prefix"/>
    /// of <paramref name="maxChars"/> less the marker's length, followed by <paramref name="marker"/>.
    /// </summary>
    public static string Shorten(string text, int maxChars, string marker)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(marker);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxChars, marker.Length);
        return text.Length <= maxChars ? text : string.Concat(Prefix(text, maxChars - marker.Length), marker);
    }
}
