using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using AgentMem.Cli.Commands;
using Microsoft.Extensions.AI;
using ModelContextProtocol.Server;

namespace AgentMem.Cli.Tests.Mcp;

/// <summary><c>agentmem mcp</c>'s server loop in this process, over pipes, with tools the test controls.</summary>
public sealed class McpServeTests
{
    private const string Initialize =
        """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"pipe","version":"1"}}}""";

    private const string Initialized = """{"jsonrpc":"2.0","method":"notifications/initialized"}""";

    [Fact(Timeout = 60_000)]
    public async Task A_request_still_running_at_the_drain_timeout_is_stopped_and_answered_before_the_server_ends()
    {
        // The client closed its input during a call that outlived the drain timeout: the end of input was reported, but the
        // server then waited for the call anyway (a hung embedder: 4 x 60 s) and dropped its answer, the transport being closed.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slow = AIFunctionFactory.Create(
            async (CancellationToken cancellationToken) =>
            {
                started.SetResult();
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                    return "finished";
                }
                finally
                {
                    stopped.SetResult();
                }
            },
            "slow",
            "Runs until it is cancelled.");

        var (serve, send, answers) = Start([slow], TimeSpan.FromMilliseconds(200));
        await send.WriteAsync(Encoding.UTF8.GetBytes(Initialize + "\n" + Initialized + "\n" +
            """{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"slow","arguments":{}}}""" + "\n"));
        await started.Task;
        await send.CompleteAsync(); // the client ends its input while the call runs

        await serve;
        var lines = await answers;

        Assert.True(stopped.Task.IsCompleted, "the call was not cancelled");
        var stoppedAnswer = Assert.Single(lines, l => l.TryGetProperty("id", out var id) && id.GetInt32() == 7);
        Assert.Contains("the client closed its input and the request was still running 0.2 s later", stoppedAnswer.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task An_argument_with_an_escaped_unpaired_surrogate_is_a_tool_error_naming_the_argument()
    {
        // "\ud800" alone is valid JSON (a model's output cut inside a character can hold it) but no text: the SDK failed
        // reading the arguments and answered -32603 "An error occurred.", which tells the model nothing it can fix.
        int calls = 0;
        var echo = AIFunctionFactory.Create((string text, string[]? tags = null) => { Interlocked.Increment(ref calls); return text; }, "echo", "Returns the text.");

        var (serve, send, answers) = Start([echo], TimeSpan.FromSeconds(60));
        await send.WriteAsync(Encoding.UTF8.GetBytes(Initialize + "\n" + Initialized + "\n" +
            """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":"lone \ud800 surrogate"}}}""" + "\n" +
            """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"text":"ok","tags":["fine","cut \udc00"]}}}""" + "\n" +
            """{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"echo","arguments":{"text":"a pair \ud83c\udf89 is fine"}}}""" + "\n"));
        await send.CompleteAsync();
        await serve;
        var lines = await answers;

        Assert.Equal("The argument 'text' holds an unpaired UTF-16 surrogate (U+D800, escaped as \\ud800 without its other half), which is not text: send it without that escape.", ToolError(lines, 2));
        Assert.Contains("The argument 'tags[1]' holds an unpaired UTF-16 surrogate (U+DC00", ToolError(lines, 3), StringComparison.Ordinal);
        var fine = Answer(lines, 4).GetProperty("result");
        Assert.False(fine.TryGetProperty("isError", out var isError) && isError.GetBoolean(), fine.GetRawText());
        using (var echoed = JsonDocument.Parse(fine.GetProperty("content")[0].GetProperty("text").GetString()!))
        {
            Assert.Equal("a pair \U0001F389 is fine", echoed.RootElement.GetString());
        }

        Assert.Equal(1, calls);
    }

    private static JsonElement Answer(List<JsonElement> lines, int id) => Assert.Single(lines, l => l.TryGetProperty("id", out var i) && i.GetInt32() == id);

    /// <summary>The text of the answer to <paramref name="id"/>, which must be a tool result marked as an error.</summary>
    private static string ToolError(List<JsonElement> lines, int id)
    {
        var answer = Answer(lines, id);
        Assert.True(answer.TryGetProperty("result", out var result), answer.GetRawText());
        Assert.True(result.GetProperty("isError").GetBoolean());
        return result.GetProperty("content")[0].GetProperty("text").GetString()!;
    }

    /// <summary>Runs the server over two pipes: what the test writes is the client's input; the task reads every answer until the server ends its output.</summary>
    private static (Task Serve, PipeWriter Send, Task<List<JsonElement>> Answers) Start(IEnumerable<AIFunction> tools, TimeSpan drainTimeout)
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        var options = new McpServerOptions { ToolCollection = [] };
        return (ServeAsync(), toServer.Writer, ReadAllAsync(toClient.Reader.AsStream()));

        async Task ServeAsync()
        {
            try
            {
                await McpCommand.ServeAsync(toServer.Reader.AsStream(), toClient.Writer.AsStream(), options, tools, drainTimeout, CancellationToken.None);
            }
            finally
            {
                await toClient.Writer.CompleteAsync(); // as the process's exit closes its standard output
            }
        }
    }

    private static async Task<List<JsonElement>> ReadAllAsync(Stream output)
    {
        var lines = new List<JsonElement>();
        using var reader = new StreamReader(output);
        while (await reader.ReadLineAsync() is { } line)
        {
            using var doc = JsonDocument.Parse(line);
            lines.Add(doc.RootElement.Clone());
        }

        return lines;
    }
}
