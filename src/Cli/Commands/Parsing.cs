using AgentMem.Common.IO;
using AgentMem.Common.Text;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Import;
using AgentMem.MemoryCore.Time;

namespace AgentMem.Cli.Commands;

/// <summary>Parsing of verb arguments into domain values, with messages a person can act on.</summary>
internal static class Parsing
{
    /// <summary>
    /// A payload writer's <c>--dir</c>: given, the user's folder, read from the working directory; left out, the option's
    /// relative default, which the writer puts in the database's payload folder, the one folder a purge deletes its files from.
    /// </summary>
    public static string PayloadDir(ParseResult parse, Option<string> dir) =>
        parse.GetResult(dir) is { Implicit: false } && parse.GetValue(dir) is { } given && !string.IsNullOrWhiteSpace(given)
            ? Path.GetFullPath(given)
            : parse.GetValue(dir)!;

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

        if (IsoDateTime.TryParse(text, out var value))
        {
            return value;
        }

        throw new MemoryValidationException(IsoDateTime.IsOutOfRange(text)
            ? $"'{text}' is outside the supported range ({IsoDateTime.SupportedRange})."
            : $"'{text}' is not an ISO-8601 date/time (e.g. 2026-03-01 or 2026-03-01T14:30:00Z).");
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

    /// <summary><c>--oversize</c>: <c>skip</c> or <c>split</c>, by name only (not a number, not a list).</summary>
    public static OversizePolicy Oversize(string? text) =>
        EnumNames.TryParse<OversizePolicy>(text, out var policy)
            ? policy
            : throw new MemoryValidationException($"Unknown --oversize '{text}'; use one of {EnumNames.Choices<OversizePolicy>()}.");

    /// <summary>
    /// Checks an output file option (<c>--out</c>) before the work that fills it, and creates its folder as the benchmark
    /// reports do: a blank path or a missing folder failed only at the save, after minutes (or hours) of prefill or
    /// training, and the result was lost. A file of the <c>--db</c> database (the SQLite file, its write-ahead log,
    /// shared-memory and journal files) or one inside its index folder is refused, symbolic links followed: the save renames
    /// its file over the target, so <c>export --out agentmem.db</c> replaced every cube of the database with one cube's
    /// export and exited 0. So is a file the command reads (<paramref name="inputs"/>: its model checkpoint or a file of its
    /// model folder, its tokenizer, its text or dataset), links followed too: <c>adapter train --out</c> naming the
    /// <c>--model</c> checkpoint replaced the model the adapter is bound to, read-only or not (a rename needs only the folder).
    /// </summary>
    /// <param name="ctx">The verb's context (its database).</param>
    /// <param name="path">The output file as given.</param>
    /// <param name="option">The option that names it, for messages.</param>
    /// <param name="inputs">The files the command reads, each with the option that names it; a folder stands for every file
    /// under it; a null or blank path is skipped.</param>
    /// <returns><paramref name="path"/> as given.</returns>
    public static string OutputFile(CliContext ctx, string? path, string option = "--out", params ReadOnlySpan<(string Option, string? Path)> inputs)
    {
        ArgumentNullException.ThrowIfNull(ctx);
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

        RefuseDatabaseFiles(ctx, full, path, option);
        RefuseInputFiles(full, path, option, inputs);

        // An I/O failure here (a file where a folder should be, no permission) is reported as such, exit 1.
        if (Path.GetDirectoryName(full) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }

        return path;
    }

    // The file the save would replace, compared with the database's files and index folder as each is named and as its links
    // resolve: SQLite opens a linked database at its target and keeps the write-ahead log beside that.
    private static void RefuseDatabaseFiles(CliContext ctx, string full, string path, string option)
    {
        var comparison = OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        string target = Followed(full);
        if (ctx.Db is SqliteLocation sqlite)
        {
            var files = new SqliteLocation(Followed(sqlite.Path)).Files.Concat(sqlite.Files);
            if (files.Any(f => string.Equals(f, target, comparison)))
            {
                throw new MemoryValidationException($"{option} '{path}' is a file of the database --db names ({sqlite.Path}); writing it would destroy the database. Name another file.");
            }
        }

        // A PostgreSQL database has no file here, but this process's indexes of it do.
        string index = Path.GetFullPath(ctx.IndexDirectoryFor(ctx.Db));
        foreach (string folder in new[] { index, Followed(index) }.Select(f => Path.TrimEndingDirectorySeparator(f)))
        {
            if (string.Equals(target, folder, comparison) || target.StartsWith(folder + Path.DirectorySeparatorChar, comparison))
            {
                throw new MemoryValidationException($"{option} '{path}' is inside the index folder of the database ({index}), which AgentMem manages and rebuilds. Name a file elsewhere.");
            }
        }
    }

    // The file the save would replace, compared with each file the command reads as its links resolve (the input's and the
    // output's): the save renames over its target, so an input named as the output was gone once the work was done.
    private static void RefuseInputFiles(string full, string path, string option, ReadOnlySpan<(string Option, string? Path)> inputs)
    {
        var comparison = OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        string target = Followed(full);
        foreach (var (name, input) in inputs)
        {
            if (string.IsNullOrWhiteSpace(input))
            {
                continue;
            }

            string inputFull;
            try
            {
                inputFull = Path.GetFullPath(input);
            }
            catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
            {
                continue; // not a path anything could be read from: the command reports it when it reads
            }

            if (Directory.Exists(inputFull))
            {
                // Each file on its own, followed: a Hugging Face cache's snapshot folder holds links to its blobs.
                if (FilesUnder(inputFull).Any(f => string.Equals(Followed(f), target, comparison)))
                {
                    throw new MemoryValidationException($"{option} '{path}' is a file of the {name} folder this command reads ({input}); writing it would replace it. Name another file.");
                }
            }
            else if (string.Equals(Followed(inputFull), target, comparison))
            {
                throw new MemoryValidationException($"{option} '{path}' is the {name} file this command reads ({input}); writing it would replace it. Name another file.");
            }
        }
    }

    // Every file under a folder; a folder that cannot be listed has nothing this command could read either.
    private static string[] FilesUnder(string folder)
    {
        try
        {
            return Directory.GetFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true });
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    // A full path with every symbolic link on it followed, its folders' as well as its own: a link to the database's folder
    // names the database too.
    private static string Followed(string full) =>
        Path.GetDirectoryName(full) is { } parent ? CrashSafeFile.FinalTarget(Path.Combine(Followed(parent), Path.GetFileName(full))) : full;

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
