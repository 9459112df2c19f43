using System.CommandLine;
using System.Text.Json;
using AgentMem.MemoryCore.Errors;
using Spectre.Console;

namespace AgentMem.Cli;

/// <summary>Wires a verb's body to System.CommandLine with uniform error reporting and exit codes.</summary>
internal static class Verb
{
    /// <summary>Exit code for input the user can fix (bad id, unknown cube, invalid content, bad file).</summary>
    public const int UserError = 1;

    /// <summary>Exit code after Ctrl-C, as shells expect (128 + SIGINT).</summary>
    public const int Cancelled = 130;

    public static void Bind(Command command, GlobalOptions global, TextWriter stdout, TextWriter stderr, Func<CliContext, ParseResult, CancellationToken, Task<int>> body)
    {
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = global.Resolve(parse, stdout, stderr);
            try
            {
                return await body(context, parse, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Report(context, "Cancelled", "Cancelled; every batch reported as committed is stored.");
                return Cancelled;
            }
            catch (AgentMemException ex)
            {
                Report(context, ex.GetType().Name, ex.Message);
                return UserError;
            }
            catch (Exception ex) when (ex is FormatException or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or JsonException or HttpRequestException)
            {
                Report(context, ex.GetType().Name, ex.Message);
                return UserError;
            }
        });
    }

    /// <summary>Runs an options object's validation, reporting its complaints as user errors (exit 1, no stack trace).</summary>
    public static void Validate(Action validate)
    {
        try
        {
            validate();
        }
        catch (ArgumentException ex)
        {
            throw new MemoryValidationException(ex.Message, ex);
        }
    }

    private static void Report(CliContext context, string type, string message)
    {
        if (context.Output.IsJson)
        {
            context.Output.Err.WriteLine(JsonSerializer.Serialize(new { error = new { type, message } }, Output.CliOutput.JsonOptions));
        }
        else if (context.Output.ErrorConsole.Profile.Capabilities.Ansi)
        {
            context.Output.ErrorConsole.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
        }
        else
        {
            // Unwrapped, so scripts and logs see the message whole.
            context.Output.Err.WriteLine($"error: {message}");
        }
    }
}
