using System.Text;

namespace AgentMem.Cli.Output;

/// <summary>
/// Text this terminal's user did not type (a memory's text, tags or actor, a reason, an imported file's names, an error
/// that quotes them) made safe to write to a terminal: no control character reaches it but the line break.
/// </summary>
/// <remarks>
/// A store keeps every control character but NUL, so text another user of a shared cube wrote, over REST or through an
/// import, can hold ESC, BEL or a C1 control. Written raw, OSC 0 set the window title, CSI 2J cleared the screen and OSC 52
/// wrote the clipboard. Showing the control that starts such a sequence as a visible <c>\xNN</c> leaves the rest harmless
/// text, and tells the reader what was there. <c>--json</c> output needs none of this: its encoder escapes every control.
/// </remarks>
internal static class TerminalText
{
    /// <summary>
    /// <paramref name="text"/> with each line break as <c>\n</c>, a tab as a space (it only moves right, but a table
    /// counts it as one column) and every other C0 or C1 control and DEL as <c>\xNN</c> (all of them lie below U+0100).
    /// </summary>
    public static string Safe(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string lines = text.ReplaceLineEndings("\n"); // CR, CRLF, NEL, FF, LS and PS: a break, never a cursor move
        int first = IndexOfUnsafe(lines);
        if (first < 0)
        {
            return lines;
        }

        var safe = new StringBuilder(lines.Length + 16).Append(lines, 0, first);
        for (int i = first; i < lines.Length; i++)
        {
            char c = lines[i];
            if (c == '\t')
            {
                safe.Append(' ');
            }
            else if (c != '\n' && char.IsControl(c))
            {
                safe.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}");
            }
            else
            {
                safe.Append(c);
            }
        }

        return safe.ToString();
    }

    /// <summary><see cref="Safe"/> of <paramref name="text"/>, escaped for Spectre markup: for a value placed in a markup line or a table cell.</summary>
    public static string Escape(string text) => Markup.Escape(Safe(text));

    private static int IndexOfUnsafe(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] != '\n' && char.IsControl(text[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
