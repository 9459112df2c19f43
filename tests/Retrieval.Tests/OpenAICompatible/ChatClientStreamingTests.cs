using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace AgentMem.Retrieval.Tests.OpenAICompatible;

/// <summary>Streaming and tool calls against loopback servers, so the real request, SSE and parsing code runs.</summary>
public sealed class ChatClientStreamingTests
{
    private static string Sse(params object[] chunks) =>
        string.Concat(chunks.Select(c => "data: " + JsonSerializer.Serialize(c) + "\n\n")) + "data: [DONE]\n\n";

    private static object Delta(object delta, string? finish = null) =>
        new { id = "chatcmpl-1", model = "tiny", choices = new[] { new { index = 0, delta, finish_reason = finish } } };

    [Fact]
    public async Task Streams_text_deltas_and_assembles_tool_call_pieces()
    {
        string body = Sse(
            Delta(new { role = "assistant", content = "Let " }),
            Delta(new { content = "me " }),
            Delta(new { content = "check." }),
            Delta(new { tool_calls = new[] { new { index = 0, id = "call_1", type = "function", function = new { name = "memory_search", arguments = "{\"query\":" } } } }),
            Delta(new { tool_calls = new[] { new { index = 0, function = new { arguments = "\"cat\",\"k\":3}" } } } }),
            Delta(new { }, "tool_calls"),
            new { id = "chatcmpl-1", choices = Array.Empty<object>(), usage = new { prompt_tokens = 20, completion_tokens = 9 } });
        await using var server = new ScriptedHttpServer((_, _) => Task.FromResult(new ScriptedResponse(200, body)));
        using var client = ChatClientFactory.Create(server.BaseUrl);
        var search = AIFunctionFactory.Create((string query, int k) => query, "memory_search", "Search memory.");

        var updates = await client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "My cat?")], new ChatOptions { Tools = [search] }).ToListAsync();

        Assert.Equal(["Let ", "me ", "check."], updates.Where(u => u.Text.Length > 0).Select(u => u.Text));
        var call = Assert.Single(updates.SelectMany(u => u.Contents).OfType<FunctionCallContent>());
        Assert.Equal(("call_1", "memory_search"), (call.CallId, call.Name));
        Assert.Equal("cat", call.Arguments!["query"]?.ToString());
        Assert.Equal("3", call.Arguments!["k"]?.ToString());
        Assert.Equal(ChatFinishReason.ToolCalls, updates[^1].FinishReason);
        var response = updates.ToChatResponse();
        Assert.Equal(20, response.Usage!.InputTokenCount);

        using var sent = JsonDocument.Parse(Assert.Single(server.Requests).Body);
        Assert.True(sent.RootElement.GetProperty("stream").GetBoolean());
        var tool = sent.RootElement.GetProperty("tools")[0];
        Assert.Equal("function", tool.GetProperty("type").GetString());
        Assert.Equal("memory_search", tool.GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("integer", tool.GetProperty("function").GetProperty("parameters").GetProperty("properties").GetProperty("k").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Sends_tool_calls_and_results_back_and_reads_plain_tool_calls()
    {
        var answers = new[]
        {
            "{\"model\":\"tiny\",\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_9\",\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"arguments\":\"{\\\"city\\\":\\\"Oslo\\\"}\"}}]},\"finish_reason\":\"tool_calls\"}]}",
            "{\"model\":\"tiny\",\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"It is 4 degrees in Oslo.\"},\"finish_reason\":\"stop\"}]}",
        };
        await using var server = new ScriptedHttpServer((call, _) => Task.FromResult(new ScriptedResponse(200, answers[call])));
        using var inner = ChatClientFactory.Create(server.BaseUrl);
        using var client = new FunctionInvokingChatClient(inner);
        var lookup = AIFunctionFactory.Create((string city) => $"4 degrees in {city}", "lookup", "Weather by city.");

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Weather in Oslo?")], new ChatOptions { Tools = [lookup] });

        Assert.Equal("It is 4 degrees in Oslo.", response.Text);
        using var second = JsonDocument.Parse(server.Requests.ToArray()[1].Body);
        var messages = second.RootElement.GetProperty("messages");
        Assert.Equal(3, messages.GetArrayLength());
        var call = messages[1];
        Assert.Equal("assistant", call.GetProperty("role").GetString());
        // No text with the call: the SDK leaves content out (the API allows that or null when tool_calls are present).
        Assert.True(!call.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null, call.ToString());
        Assert.Equal("call_9", call.GetProperty("tool_calls")[0].GetProperty("id").GetString());
        using var arguments = JsonDocument.Parse(call.GetProperty("tool_calls")[0].GetProperty("function").GetProperty("arguments").GetString()!);
        Assert.Equal("Oslo", Assert.Single(arguments.RootElement.EnumerateObject(), p => p.Name == "city").Value.GetString());
        var result = messages[2];
        Assert.Equal(("tool", "call_9"), (result.GetProperty("role").GetString(), result.GetProperty("tool_call_id").GetString()));
        Assert.Contains("4 degrees in Oslo", result.GetProperty("content").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Yields_each_delta_before_the_server_has_sent_the_rest()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var baseUrl = new Uri($"http://127.0.0.1:{port}/v1/");
        using var listener = new HttpListener();
        listener.Prefixes.Add(baseUrl.ToString());
        listener.Start();
        var firstSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = Task.Run(async () =>
        {
            var context = await listener.GetContextAsync();
            context.Response.ContentType = "text/event-stream";
            context.Response.SendChunked = true;
            var output = context.Response.OutputStream;
            await output.WriteAsync(Encoding.UTF8.GetBytes(Sse(Delta(new { content = "Hello" }))[..^"data: [DONE]\n\n".Length]));
            await output.FlushAsync();

            // The rest is sent only once the client has shown the first delta.
            await firstSeen.Task.WaitAsync(TimeSpan.FromSeconds(10));
            await output.WriteAsync(Encoding.UTF8.GetBytes(Sse(Delta(new { content = " world" }, "stop"))));
            context.Response.Close();
        });

        using var client = ChatClientFactory.Create(baseUrl);
        var texts = new List<string>();
        await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")]))
        {
            texts.Add(update.Text);
            firstSeen.TrySetResult();
        }

        await server;
        Assert.Equal("Hello world", string.Concat(texts));
        Assert.Equal("Hello", texts[0]);
    }

    [Fact]
    public async Task A_failing_stream_request_is_retried_and_an_error_chunk_throws()
    {
        string body = "data: {\"error\":{\"message\":\"model crashed\"}}\n\n";
        await using var server = new ScriptedHttpServer((call, _) => Task.FromResult(call == 0 ? new ScriptedResponse(503, "{}") : new ScriptedResponse(200, body)));
        using var client = ChatClientFactory.Create(server.BaseUrl);

        var ex = await Assert.ThrowsAsync<HttpRequestException>(async () => await client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")]).ToListAsync());

        Assert.Contains("model crashed", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, server.Calls);
    }
}
