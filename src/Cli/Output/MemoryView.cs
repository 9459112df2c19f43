using AgentMem.Common.Text;

namespace AgentMem.Cli.Output;

/// <summary>Human-readable renderings of memories.</summary>
internal static class MemoryView
{
    public static Table Details(MemoryItem item)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("field").AddColumn("value");
        void Row(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                table.AddRow(TerminalText.Escape(name), TerminalText.Escape(value));
            }
        }

        Row("id", item.Id.ToString());
        Row("text", item.Text);
        Row("kind", item.Kind.ToString());
        Row("state", item.StateReason is null ? item.State.ToString() : $"{item.State} ({item.StateReason})");
        Row("version", item.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Row("scope", item.Scope.ToString());
        Row("source", $"{item.Provenance.Source}{(item.Provenance.SourceRef is { } r ? " " + r : string.Empty)}");
        Row("actor", item.Provenance.Actor);
        Row("valid from", Time(item.ValidFrom));
        Row("valid to", Time(item.ValidTo));
        Row("recorded at", Time(item.Provenance.RecordedAt));
        Row("tags", string.Join(", ", item.Tags));
        Row("keywords", string.Join(", ", item.Keywords));
        Row("context", item.Context);
        Row("links", string.Join(", ", item.Links.Select(l => $"{l.Type}→{l.Target}")));
        Row("hash", item.ContentHash);
        return table;
    }

    public static string Time(DateTimeOffset? value) => value switch
    {
        null => string.Empty,
        // At the offset it was given with: in UTC an evening of 7 May at -05:00 read as 8 May.
        { Offset.Ticks: 0 } v => v.ToString("yyyy-MM-dd HH:mm'Z'", System.Globalization.CultureInfo.InvariantCulture),
        { } v => v.ToString("yyyy-MM-dd HH:mm zzz", System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary><paramref name="text"/> on one line, safe for a terminal (<see cref="TerminalText.Safe"/>), cut to <paramref name="max"/> characters with "…".</summary>
    public static string Clip(string text, int max)
    {
        // TextClip: a cut at a fixed index split an emoji's surrogate pair, and the terminal showed U+FFFD for its half.
        return TextClip.Shorten(TerminalText.Safe(text).Replace('\n', ' '), max, "…");
    }
}
