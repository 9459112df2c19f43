namespace AgentMem.MemoryCore.Text;

/// <summary>A stretch of a memory's text: <see cref="Start"/> and <see cref="Length"/> in UTF-16 characters.</summary>
/// <param name="Start">Offset of the first character in the memory's text.</param>
/// <param name="Length">Characters in the passage (at least one).</param>
public readonly record struct TextSpan(int Start, int Length)
{
    /// <summary>One past the last character.</summary>
    public int End => Start + Length;

    /// <summary>The passage's text in <paramref name="text"/>, or null when the span does not fit it (the text changed).</summary>
    public string? Of(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Start >= 0 && Length > 0 && End <= text.Length ? text.Substring(Start, Length) : null;
    }
}

/// <summary>
/// Cuts a long text into passages of about <c>targetChars</c> characters that cover it without gaps or overlap, at the
/// strongest boundary available near the target: a blank line (paragraph), then a line break, then the end of a
/// sentence, then a space, and only in a text with none of these (a minified blob) at the target itself, never inside
/// a surrogate pair. A passage is never longer than twice the target, so one 300 KB log line still yields many
/// passages, and the last one is merged into its predecessor when it would be shorter than a quarter of the target and the
/// two together stay within twice the target.
/// </summary>
public static class PassageSplitter
{
    /// <summary>The passages of <paramref name="text"/>: one span for a text of at most <paramref name="targetChars"/> × 1.5 characters.</summary>
    public static List<TextSpan> Split(string text, int targetChars)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(targetChars, 16);
        var spans = new List<TextSpan>();
        if (text.Length == 0)
        {
            return spans;
        }

        if (text.Length <= targetChars + (targetChars / 2))
        {
            spans.Add(new TextSpan(0, text.Length));
            return spans;
        }

        int start = 0;
        while (start < text.Length)
        {
            int remaining = text.Length - start;
            if (remaining <= targetChars + (targetChars / 2))
            {
                spans.Add(new TextSpan(start, remaining));
                break;
            }

            int cut = Cut(text, start, targetChars);
            spans.Add(new TextSpan(start, cut - start));
            start = cut;
        }

        // Not when that would pass twice the target (a cut at the far end of its range), which callers rely on to size parts.
        if (spans.Count > 1 && spans[^1].Length < targetChars / 4 && spans[^2].Length + spans[^1].Length <= 2 * targetChars)
        {
            var last = spans[^1];
            spans.RemoveAt(spans.Count - 1);
            spans[^1] = new TextSpan(spans[^1].Start, spans[^1].Length + last.Length);
        }

        return spans;
    }

    /// <summary>Where the passage starting at <paramref name="start"/> ends: the best boundary in [target/2, 2·target].</summary>
    private static int Cut(string text, int start, int target)
    {
        int low = start + (target / 2);
        int high = Math.Min(text.Length - 1, start + (2 * target));
        int ideal = start + target;

        // Scan outward from the ideal length so that, among boundaries of one strength, the nearest wins.
        int best = -1;
        int bestRank = 0;
        for (int d = 0; ideal - d >= low || ideal + d <= high; d++)
        {
            foreach (int at in (ReadOnlySpan<int>)[ideal - d, ideal + d])
            {
                if (at < low || at > high)
                {
                    continue;
                }

                int rank = BoundaryRank(text, at);
                if (rank > bestRank)
                {
                    best = at;
                    bestRank = rank;
                }
            }

            // Scanning outward, the first paragraph break found is the nearest one: nothing can beat it.
            if (bestRank == 4)
            {
                break;
            }
        }

        if (best < 0)
        {
            best = ideal;
        }

        if (char.IsLowSurrogate(text[best]) && best > start + 1)
        {
            best--;
        }

        return best;
    }

    /// <summary>How good a place <paramref name="at"/> is to start a new passage (0 = none, 4 = after a blank line).</summary>
    private static int BoundaryRank(string text, int at)
    {
        char before = text[at - 1];
        if (before == '\n')
        {
            return at >= 2 && (text[at - 2] == '\n' || (text[at - 2] == '\r' && at >= 3 && text[at - 3] == '\n')) ? 4 : 3;
        }

        if (char.IsWhiteSpace(before) && at >= 2)
        {
            char end = text[at - 2];
            return end is '.' or '!' or '?' or ';' or ':' ? 2 : 1;
        }

        return 0;
    }
}
