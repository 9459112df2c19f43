using System.Diagnostics;
using System.Text.Json;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.Retrieval.Lexical;
using AgentMem.Stores.Sqlite;

namespace AgentMem.Agents.SemanticKernel.Tests;

/// <summary>Runs examples/semantic-kernel as a process: without an endpoint, and against a scripted OpenAI-compatible one.</summary>
public sealed class ExampleTests
{
    private static readonly string ExampleDll = Path.Combine(AppContext.BaseDirectory, "AgentMem.SemanticKernel.Example.dll");

    [Fact]
    public async Task Without_an_endpoint_it_says_what_to_set_and_exits_1()
    {
        var (code, _, stderr) = await RunAsync(null, []);

        Assert.Equal(1, code);
        Assert.Contains("AGENTMEM_CHAT_BASE_URL", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Against_a_scripted_endpoint_the_model_remembers_then_recalls_through_the_plugin()
    {
        using var folder = new TempFolder("sk-example");
        string db = folder.File("sk.db");
        var bodies = new List<string>();
        await using var server = new ScriptedHttpServer((call, request) =>
        {
            lock (bodies)
            {
                bodies.Add(request.Body);
            }

            return Task.FromResult(call switch
            {
                0 => ToolCall("c1", "agentmem_memory_add", """{"text":"Ann's cat is called Miso"}"""),
                1 => Text("Noted."),
                2 => ToolCall("c2", "agentmem_memory_search", """{"query":"cat name"}"""),
                // The tool result arrives JSON-escaped inside the request, so match words without the apostrophe.
                _ => Text(request.Body.Contains("cat is called Miso", StringComparison.Ordinal) ? "Your cat is called Miso." : "I found nothing."),
            });
        });

        var (code, stdout, stderr) = await RunAsync(server.BaseUrl.ToString(), [db, "My cat is called Miso.", "What is my cat called?"]);

        Assert.True(code == 0, stderr);
        Assert.Contains("Noted.", stdout, StringComparison.Ordinal);
        Assert.Contains("Your cat is called Miso.", stdout, StringComparison.Ordinal);
        Assert.Equal(4, server.Calls);
        // The second message's first request carries no chat history from the first: the answer came from memory.
        Assert.DoesNotContain("Miso", bodies[2], StringComparison.Ordinal);

        var store = SqliteMemoryStore.Open(db);
        await using var memory = new MemoryOS(store, [new Bm25Retriever(store)]);
        var hits = await memory.SearchAsync(new Scope("acme", user: "ann"), "ann", "cat", 5);
        Assert.Equal("Ann's cat is called Miso", Assert.Single(hits).Item.Text);
    }

    [Fact]
    public async Task A_core_block_written_in_one_message_is_in_the_system_message_of_the_next()
    {
        using var folder = new TempFolder("sk-example");
        var bodies = new List<string>();
        await using var server = Recording(bodies, (call, body) => call switch
        {
            0 => ToolCall("c1", "agentmem_core_memory_append", """{"name":"human","text":"Has a cat called Miso"}"""),
            1 => Text("Noted."),
            _ => Text(body.Contains("Has a cat called Miso", StringComparison.Ordinal) ? "Your cat is called Miso." : "I do not know."),
        });

        var (code, stdout, stderr) = await RunAsync(server.BaseUrl.ToString(), [folder.File("sk.db"), "My cat is called Miso.", "What is my cat called?"]);

        Assert.True(code == 0, stderr);
        Assert.Equal(3, server.Calls);
        Assert.Contains("Your cat is called Miso.", stdout, StringComparison.Ordinal);

        // The first request already shows the (empty) blocks; the second message's request, a fresh chat, shows what was written.
        Assert.Contains("# Core memory", bodies[0], StringComparison.Ordinal);
        Assert.DoesNotContain("My cat is called Miso", bodies[2], StringComparison.Ordinal);
        Assert.Contains("Has a cat called Miso", bodies[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_tool_call_reaches_the_model_with_the_tools_message()
    {
        using var folder = new TempFolder("sk-example");
        var bodies = new List<string>();
        await using var server = Recording(bodies, (call, _) => call switch
        {
            0 => ToolCall("c1", "agentmem_memory_search", """{"query":"cat","mode":"psychic"}"""),
            _ => Text("Sorry."),
        });

        var (code, stdout, stderr) = await RunAsync(server.BaseUrl.ToString(), [folder.File("sk.db"), "What is my cat called?"]);

        Assert.True(code == 0, stderr);
        Assert.Contains("Sorry.", stdout, StringComparison.Ordinal);
        Assert.Equal(2, server.Calls);

        // The second request carries the tool's result: the message that says how to fix the call (the example's memory has
        // the hybrid and bm25 retrievers), not only that it failed.
        Assert.Contains("mode must be hybrid or bm25; got", bodies[1], StringComparison.Ordinal);
    }

    // A chat endpoint that keeps every request body in `bodies` and answers the call with `reply(call, body)`.
    private static ScriptedHttpServer Recording(List<string> bodies, Func<int, string, ScriptedResponse> reply) => new((call, request) =>
    {
        lock (bodies)
        {
            bodies.Add(request.Body);
        }

        return Task.FromResult(reply(call, request.Body));
    });

    private static ScriptedResponse Text(string text) => ScriptedHttpServer.Json(new
    {
        choices = new[] { new { index = 0, message = new { role = "assistant", content = text }, finish_reason = "stop" } },
    });

    private static ScriptedResponse ToolCall(string id, string name, string arguments) => ScriptedHttpServer.Json(new
    {
        choices = new[]
        {
            new
            {
                index = 0,
                message = new { role = "assistant", content = (string?)null, tool_calls = new[] { new { id, type = "function", function = new { name, arguments } } } },
                finish_reason = "tool_calls",
            },
        },
    });

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string? baseUrl, string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(ExampleDll);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("AGENTMEM_CHAT_BASE_URL");
        start.Environment.Remove("AGENTMEM_CHAT_API_KEY");
        start.Environment.Remove("OPENAI_API_KEY");
        start.Environment["AGENTMEM_CHAT_MODEL"] = "scripted";
        if (baseUrl is not null)
        {
            start.Environment["AGENTMEM_CHAT_BASE_URL"] = baseUrl;
        }

        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
