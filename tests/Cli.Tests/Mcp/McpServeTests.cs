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
