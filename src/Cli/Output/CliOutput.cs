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

    public CliOutput(TextWriter stdout, TextWriter stderr, bool json, TerminalKind terminal)
    {
        Out = stdout;
        Err = stderr;
        IsJson = json;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(stdout),
            Ansi = terminal.StdoutIsTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal.StdoutIsTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal.StdoutIsTerminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        ErrorConsole = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(stderr),
            Ansi = terminal.StderrIsTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal.StderrIsTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal.StderrIsTerminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
    }

    public TextWriter Out { get; }

    public TextWriter Err { get; }

    public bool IsJson { get; }

    /// <summary>Console for human-readable output on standard output.</summary>
    public IAnsiConsole Console { get; }

    /// <summary>Console for progress and notices on standard error.</summary>
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

    /// <summary>A notice for people, on standard error (suppressed in JSON mode).</summary>
    public void Notice(string markup)
    {
        if (!IsJson)
        {
            ErrorConsole.MarkupLine(markup);
        }
    }
}
