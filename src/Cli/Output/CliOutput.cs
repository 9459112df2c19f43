using System.Text.Json.Serialization;

namespace AgentMem.Cli.Output;

/// <summary>
/// Where verbs write: JSON documents (with <c>--json</c>) or Spectre tables for people. Diagnostics and
/// notices go to standard error so standard output stays parseable.
/// </summary>
internal sealed class CliOutput
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly bool stdoutIsTerminal;

    public CliOutput(TextWriter stdout, TextWriter stderr, bool json, TerminalKind terminal)
    {
        ArgumentNullException.ThrowIfNull(terminal);
        Out = stdout;
        Err = stderr;
        IsJson = json;
        stdoutIsTerminal = terminal.StdoutIsTerminal;
        Console = CreateConsole(stdout, terminal.StdoutIsTerminal);
        ErrorConsole = CreateConsole(stderr, terminal.StderrIsTerminal);
    }

    public TextWriter Out { get; }

    public TextWriter Err { get; }

    public bool IsJson { get; }

    /// <summary>
    /// Console for human-readable output on standard output: as wide as the terminal, or, when it is no terminal (a pipe, a
    /// file), of unbounded width, so nothing it writes is wrapped. So nothing that fills the width (a <see cref="Rule"/>) may
    /// be written to it: <see cref="Heading"/> writes a section heading either way.
    /// </summary>
    public IAnsiConsole Console { get; }

    /// <summary>Console for progress and notices on standard error; of unbounded width, as <see cref="Console"/>, when it is no terminal.</summary>
    public IAnsiConsole ErrorConsole { get; }

    /// <summary>Writes one JSON document on one line (a verb's result or an NDJSON event), so <c>--json</c> output is always line-delimited.</summary>
    public void WriteJson<T>(T value)
    {
        Out.WriteLine(JsonSerializer.Serialize(value, JsonOptions));
        Out.Flush();
    }

    /// <summary>A verb's result, written once: <paramref name="json"/> as one JSON line with <c>--json</c>, else the markup line for people.</summary>
    public void Result<T>(T json, string markup)
    {
        if (IsJson)
        {
            WriteJson(json);
        }
        else
        {
            Console.MarkupLine(markup);
        }
    }

    /// <summary>A verb's result, written once: <paramref name="json"/> as one JSON line with <c>--json</c>, else what <paramref name="human"/> renders.</summary>
    public void Result<T>(T json, Action<IAnsiConsole> human)
    {
        ArgumentNullException.ThrowIfNull(human);
        if (IsJson)
        {
            WriteJson(json);
        }
        else
        {
            human(Console);
        }
    }

    /// <summary>A section heading for people on standard output: a rule across a terminal, a line of its own elsewhere.</summary>
    public void Heading(string markup)
    {
        if (stdoutIsTerminal)
        {
            Console.Write(new Rule(markup).LeftJustified());
        }
        else
        {
            Console.MarkupLine($"── {markup} ──");
        }
    }

    /// <summary>A notice for people, on standard error (suppressed in JSON mode).</summary>
    public void Notice(string markup)
    {
        if (!IsJson)
        {
            ErrorConsole.MarkupLine(markup);
        }
    }

    // A terminal's console wraps at its width. Anything else (a pipe, a file, a log, $(...)) gets lines whole, as errors
    // are written: Spectre's fallback width of 80 cut paths and ids in two and left a space before each break.
    private static IAnsiConsole CreateConsole(TextWriter writer, bool terminal)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!terminal)
        {
            console.Profile.Width = int.MaxValue;
        }

        return console;
    }
}
