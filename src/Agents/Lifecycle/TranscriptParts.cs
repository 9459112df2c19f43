using System.Text;

namespace AgentMem.Agents.Lifecycle;

/// <summary>
/// Cuts a transcript, line by line and in order, into parts of at most a given length, so that a session longer than
/// one request is summarised part by part instead of being cut short.
/// </summary>
internal static class TranscriptParts
{
    /// <summary>
    /// The lines joined by newlines into parts of at most <paramref name="maxChars"/> characters each (none empty). A line
    /// that alone is longer than a part keeps its start, ended with an ellipsis.
    /// </summary>
    public static List<string> Split(IEnumerable<string> lines, int maxChars)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxChars, 8);
        var parts = new List<string>();
        var part = new StringBuilder();
        foreach (string whole in lines)
        {
            string line = whole.Length + 1 <= maxChars ? whole : Shorten(whole, maxChars - 2);
            if (part.Length > 0 && part.Length + line.Length + 1 > maxChars)
            {
                parts.Add(part.ToString());
                part.Clear();
            }

            part.Append(line).Append('\n');
        }

        if (part.Length > 0)
        {
            parts.Add(part.ToString());
        }

        return parts;
    }

    // The first `length` characters and an ellipsis, never splitting a surrogate pair.
    private static string Shorten(string line, int length)
    {
        if (char.IsHighSurrogate(line[length - 1]))
        {
            length--;
        }

        return string.Concat(line.AsSpan(0, length), "…");
    }
}
