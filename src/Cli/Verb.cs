using AgentMem.Common.Validation;

namespace AgentMem.Cli;

/// <summary>Wires a verb's body to System.CommandLine with uniform error reporting and exit codes.</summary>
internal static class Verb
{
    /// <summary>Exit code for input the user can fix (bad id, unknown cube, invalid content, bad file).</summary>
    public const int UserError = 1;

    /// <summary>Exit code after Ctrl-C, as shells expect (128 + SIGINT).</summary>
    public const int Cancelled = 130;

    /// <summary>Exit code for an error the user did not cause (a bug or the environment): reported in one paragraph, the stack only with --debug.</summary>
    public const int InternalError = 2;

    /// <summary>
    /// Exit code when nothing could be written to standard error (a full disk, a closed pipe), so the error, or the output
    /// that failed before it, reached nobody: 74, sysexits' EX_IOERR. A write the verb had made before stays made.
    /// </summary>
    public const int OutputFailed = 74;

    public static void Bind(Command command, GlobalOptions global, TextWriter stdout, TextWriter stderr, Func<CliContext, ParseResult, CancellationToken, Task<int>> body)
    {
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = global.ResolveOutput(parse, stdout, stderr);
            bool debug = parse.GetValue(global.Debug); // adds the stack trace (which then need not be offered)
            try
            {
                return await body(global.Resolve(parse, stdout, stderr), parse, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return Report(output, "Cancelled", "Cancelled; every batch reported as committed is stored.") ? Cancelled : OutputFailed;
            }
            catch (OperationCanceledException ex)
            {
                // Not asked for: an endpoint's timeout (HttpClient and the endpoint clients throw TaskCanceledException).
                // Left alone, System.CommandLine ends a cancellation with exit 1 and says nothing.
                return Report(output, "Timeout", ex.Message) ? UserError : OutputFailed;
            }
            catch (CubeNotFoundException ex) when (ex.Cube is { } cube)
            {
                // The core's answer suits every host; here the way to make the cube is a command.
                return Report(output, ex.GetType().Name, $"{ex.Message} Create it first (agentmem cube create {cube}).") ? UserError : OutputFailed;
            }
            catch (AgentMemException ex)
            {
                return Report(output, ex.GetType().Name, ex.Message) ? UserError : OutputFailed;
            }
            // An I/O failure is the machine's state, not a bug (an --out that names a folder, a full disk for an output file).
            catch (Exception ex) when (ex is FormatException or (IOException and not FileLoadException) or UnauthorizedAccessException or JsonException or HttpRequestException)
            {
                return Report(output, ex.GetType().Name, ex.Message) ? UserError : OutputFailed;
            }
            // --debug adds the stack trace and keeps the exit code (let through, System.CommandLine printed it as text, JSON or
            // not, and exited 1).
            catch (Microsoft.Data.Sqlite.SqliteException ex)
            {
                // The database file cannot be opened or used (not a database, a device, read-only, locked, corrupt).
                return Report(output, "DatabaseError", $"The database '{parse.GetValue(global.Db)}' cannot be used: {ex.Message}{(debug ? "" : " (--debug shows where).")}", DebugStack(ex)) ? UserError : OutputFailed;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return Report(output, ex.GetType().Name, $"Unexpected error: {ex.Message} ({(debug ? "" : "--debug prints the stack trace; ")}please report it).", DebugStack(ex)) ? InternalError : OutputFailed;
            }

            string? DebugStack(Exception ex) => debug ? ex.ToString() : null;
        });
    }

    /// <summary>
    /// Runs an options object's validation, reporting its complaints as user errors (exit 1, no stack trace) in one line;
    /// a property listed in <paramref name="flags"/> is named by the flag that sets it.
    /// </summary>
    public static void Validate(Action validate, params (string Property, string Flag)[] flags)
    {
        try
        {
            validate();
        }
        catch (ArgumentException ex)
        {
            throw new MemoryValidationException(OptionsMessage.OneLine(ex, flags), ex);
        }
    }

    /// <summary>
    /// Writes an error as the output mode asks: one JSON line <c>{"error":{"type","message"}}</c> with --json, a line of text otherwise;
    /// a <paramref name="stack"/> trace (--debug) goes in the JSON as <c>stack</c>, else on the lines after the message.
    /// False when standard error cannot be written (a full disk, a closed pipe): the caller then exits with
    /// <see cref="OutputFailed"/>, where the failure escaped the verb and the runtime aborted the process.
    /// </summary>
    public static bool Report(Output.CliOutput output, string type, string message, string? stack = null)
    {
        try
        {
            Write(output, type, message, stack);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static void Write(Output.CliOutput output, string type, string message, string? stack)
    {
        if (output.IsJson)
        {
            output.Err.WriteLine(JsonSerializer.Serialize(new { error = new { type, message, stack } }, Output.CliOutput.JsonOptions));
            return;
        }

        if (output.ErrorConsole.Profile.Capabilities.Ansi)
        {
            output.ErrorConsole.MarkupLine($"[red]error:[/] {TerminalText.Escape(message)}");
        }
        else
        {
            // Unwrapped, so scripts and logs see the message whole.
            output.Err.WriteLine($"error: {TerminalText.Safe(message)}");
        }

        if (stack is not null)
        {
            output.Err.WriteLine(stack);
        }
    }
}
