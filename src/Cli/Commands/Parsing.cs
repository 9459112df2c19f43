using AgentMem.Common.Text;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Time;

namespace AgentMem.Cli.Commands;

/// <summary>Parsing of verb arguments into domain values, with messages a person can act on.</summary>
internal static class Parsing
{
    public static MemoryId Id(string? text) =>
        MemoryId.TryParse(text?.Trim(), out var id)
            ? id
            : throw new MemoryValidationException($"'{text}' is not a memory id (26 characters, as printed by 'agentmem add').");

    public static DateTimeOffset? Time(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return IsoDateTime.TryParse(text, out var value)
            ? value
            : throw new MemoryValidationException($"'{text}' is not an ISO-8601 date/time (e.g. 2026-03-01 or 2026-03-01T14:30:00Z).");
    }

    /// <summary>Parses <c>kind</c> or <c>kind:reference</c>, e.g. <c>document:notes.md</c>.</summary>
    public static (SourceKind Kind, string? Ref) Source(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return (SourceKind.Conversation, null);
        }

        int colon = text.IndexOf(':', StringComparison.Ordinal);
        string kind = colon < 0 ? text : text[..colon];
        string? reference = colon < 0 ? null : text[(colon + 1)..];
        return EnumNames.TryParse<SourceKind>(kind, out var parsed)
            ? (parsed, reference)
            : throw new MemoryValidationException($"Unknown source kind '{kind}'; use one of {EnumNames.Choices<SourceKind>()}, optionally followed by :reference.");
    }

    public static LifecycleState State(string? text) =>
        EnumNames.TryParse<LifecycleState>(text, out var state)
            ? state
            : throw new MemoryValidationException($"Unknown state '{text}'; use one of {EnumNames.Choices<LifecycleState>()}.");

    /// <summary>
    /// Checks an output file option (<c>--out</c>) before the work that fills it, and creates its folder as the benchmark
    /// reports do: a blank path or a missing folder failed only at the save, after minutes (or hours) of prefill or
    /// training, and the result was lost.
    /// </summary>
    /// <returns><paramref name="path"/> as given.</returns>
    public static string OutputFile(string? path, string option = "--out")
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new MemoryValidationException($"{option} needs a file name; got '{path}'.");
        }

        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new MemoryValidationException($"{option} '{path}' is not a usable file path: {ex.Message}", ex);
        }

        // An I/O failure here (a file where a folder should be, no permission) is reported as such, exit 1.
        if (Path.GetDirectoryName(full) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }

        return path;
    }

    /// <summary>
    /// Parses an option's comma-separated list of positive integers (<c>--k 1,5,10</c>), in the order given; with
    /// <paramref name="digitSeparators"/> a number may group its digits with underscores (<c>100_000</c>).
    /// </summary>
    public static List<int> PositiveIntegers(string text, string option, string example, bool digitSeparators = false)
    {
        var values = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string digits = digitSeparators ? part.Replace("_", string.Empty, StringComparison.Ordinal) : part;
            if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < 1)
            {
                throw new MemoryValidationException($"{option} takes positive integers separated by commas, e.g. {example}; '{part}' is not one.");
            }

            values.Add(value);
        }

        return values;
    }
}
