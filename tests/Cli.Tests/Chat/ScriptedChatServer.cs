using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;

namespace AgentMem.Cli.Tests.Chat;

/// <summary>
/// A loopback OpenAI-compatible <c>/v1/chat/completions</c> endpoint for chat tests: it records every request and answers
/// call number n with <c>script(n, request)</c>, as server-sent events when the request asks for <c>stream: true</c> (one
/// <c>data:</c> event per scripted chunk, then <c>data: [DONE]</c>) and as one JSON completion otherwise.
/// </summary>
internal sealed class ScriptedChatServer : IAsyncDisposable
{
    private readonly HttpListener listener;
    private readonly Func<int, RecordedChatRequest, ChatScript> script;
    private readonly Task loop;
    private readonly CancellationTokenSource stopping = new();
    private int calls;

    public ScriptedChatServer(Func<int, RecordedChatRequest, ChatScript> script)
    {
        this.script = script;
        for (int attempt = 0; ; attempt++)
        {
            // The probed port can be taken before we bind it on a shared box: probe another.
            int port = LocalService.FreePort();
            var candidate = new HttpListener();
            try
            {
                candidate.Prefixes.Add($"http://127.0.0.1:{port}/");
                candidate.Start();
                listener = candidate;
                BaseUrl = $"http://127.0.0.1:{port}/v1";
                break;
            }
            catch (HttpListenerException) when (attempt < 10)
            {
                candidate.Abort();
            }
        }

        loop = Task.Run(LoopAsync);
    }

    /// <summary>The API base to pass as <c>--base-url</c>.</summary>
    public string BaseUrl { get; }

    /// <summary>Every request, in arrival order, recorded before it is answered.</summary>
    public ConcurrentQueue<RecordedChatRequest> Requests { get; } = new();

    /// <summary>
    /// Awaited before streamed chunk number k (from 0) of any reply is sent, so a test can hold the stream between chunks;
    /// null sends them at once.
    /// </summary>
    public Func<int, CancellationToken, Task>? BeforeChunk { get; init; }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        listener.Abort();
        try
        {
            await loop;
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
        {
        }

        stopping.Dispose();
    }

    private async Task LoopAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        try
        {
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var request = new RecordedChatRequest(context.Request.Url!.AbsolutePath, context.Request.Headers["Authorization"], await reader.ReadToEndAsync());
            Requests.Enqueue(request);
            var reply = script(Interlocked.Increment(ref calls) - 1, request);
            if (request.Stream)
            {
                await StreamAsync(context.Response, reply);
            }
            else
            {
                byte[] body = Encoding.UTF8.GetBytes(reply.Completion());
                context.Response.ContentType = "application/json";
                context.Response.ContentLength64 = body.Length;
                await context.Response.OutputStream.WriteAsync(body);
            }

            context.Response.Close();
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            // The client hung up (a cancelled reply) or the server is stopping.
        }
    }

    private async Task StreamAsync(HttpListenerResponse response, ChatScript reply)
    {
        response.ContentType = "text/event-stream";
        response.SendChunked = true;
        var output = response.OutputStream;
        var events = reply.StreamEvents();
        for (int k = 0; k < events.Count; k++)
        {
            if (BeforeChunk is { } gate && k < reply.Chunks.Count)
            {
                await gate(k, stopping.Token);
            }

            await output.WriteAsync(Encoding.UTF8.GetBytes($"data: {events[k]}\n\n"), stopping.Token);
            await output.FlushAsync(stopping.Token);
        }

        await output.WriteAsync("data: [DONE]\n\n"u8.ToArray(), stopping.Token);
    }
}

/// <summary>A chat request as the server received it.</summary>
internal sealed record RecordedChatRequest(string Path, string? Authorization, string Body)
{
    private JsonElement Root => JsonDocument.Parse(Body).RootElement;

    /// <summary>Whether the client asked for server-sent events.</summary>
    public bool Stream => Root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;

    /// <summary>Each message's role and text content (empty when it has none, e.g. a tool call).</summary>
    public IReadOnlyList<(string Role, string Content)> Messages =>
        [.. Root.GetProperty("messages").EnumerateArray().Select(m => (m.GetProperty("role").GetString()!, m.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : string.Empty))];

    /// <summary>The names of the tools offered.</summary>
    public IReadOnlyList<string> Tools =>
        Root.TryGetProperty("tools", out var tools) ? [.. tools.EnumerateArray().Select(t => t.GetProperty("function").GetProperty("name").GetString()!)] : [];

    /// <summary>Whether the last message is a tool's result (the model is being asked to go on after a call).</summary>
    public bool AfterToolCall => Messages[^1].Role == "tool";

    /// <summary>The last user message.</summary>
    public string UserMessage => Messages.Last(m => m.Role == "user").Content;
}

/// <summary>What the scripted model answers: text in chunks, or one tool call.</summary>
internal sealed record ChatScript(IReadOnlyList<string> Chunks, string? ToolName = null, string? ToolArguments = null)
{
    public static ChatScript Say(params string[] chunks) => new(chunks);

    public static ChatScript Call(string tool, object arguments) => new([], tool, JsonSerializer.Serialize(arguments));

    /// <summary>The whole answer as one non-streamed completion.</summary>
    public string Completion()
    {
        object message = ToolName is null
            ? new { role = "assistant", content = string.Concat(Chunks) }
            : new { role = "assistant", content = (string?)null, tool_calls = new[] { ToolCall() } };
        return JsonSerializer.Serialize(new
        {
            id = "chatcmpl-test",
            @object = "chat.completion",
            model = "scripted",
            choices = new[] { new { index = 0, message, finish_reason = ToolName is null ? "stop" : "tool_calls" } },
            usage = new { prompt_tokens = 10, completion_tokens = 5, total_tokens = 15 },
        });
    }

    /// <summary>The answer as the JSON of each <c>data:</c> event: one per text chunk (or the tool call), then the finish.</summary>
    public IReadOnlyList<string> StreamEvents()
    {
        var events = new List<string>();
        foreach (string chunk in Chunks)
        {
            events.Add(Event(new { role = "assistant", content = chunk }, null));
        }

        if (ToolName is not null)
        {
            events.Add(Event(new { role = "assistant", tool_calls = new[] { ToolCall() } }, null));
        }

        events.Add(Event(new { }, ToolName is null ? "stop" : "tool_calls"));
        return events;
    }

    private object ToolCall() => new { index = 0, id = "call_" + ToolName, type = "function", function = new { name = ToolName, arguments = ToolArguments } };

    private static string Event(object delta, string? finish) => JsonSerializer.Serialize(new
    {
        id = "chatcmpl-test",
        @object = "chat.completion.chunk",
        model = "scripted",
        choices = new[] { new { index = 0, delta, finish_reason = finish } },
    });
}
