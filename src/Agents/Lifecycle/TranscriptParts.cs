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
    /// that alone is longer than a part is cut into pieces that each fill a part, so nothing of it is left out.
    /// </summary>
    public static List<string> Split(IEnumerable<string> lines, int maxChars)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxChars, 8);
        var parts = new List<string>();
        var part = new StringBuilder();
        foreach (string whole in lines)
        {
            foreach (string line in Pieces(whole, maxChars - 1))
            {
                if (part.Length > 0 && part.Length + line.Length + 1 > maxChars)
                {
                    parts.Add(part.ToString());
                    part.Clear();
                }

                part.Append(line).Append('\n');
            }
        }

        if (part.Length > 0)
        {
            parts.Add(part.ToString());
        }

        return parts;
    }

    // The line in pieces of at most `length` characters, never splitting a surrogate pair.
    private static IEnumerable<string> Pieces(string line, int length)
    {
        int start = 0;
        while (line.Length - start > length)
        {
            int end = start + length;
            if (char.IsHighSurrogate(line[end - 1]))
            {
                end--;
            }

            yield return line[start..end];
            start = end;
        }

        yield return line[start..];
    }
}
