using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace AgentMem.Retrieval.Tests.OpenAICompatible;

/// <summary>Talks to a scripted HTTP server on loopback, so the real request and parsing code runs.</summary>
public sealed class ChatClientTests : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly Uri baseUrl;

    public ChatClientTests()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        baseUrl = new Uri($"http://127.0.0.1:{port}/v1/");
        listener.Prefixes.Add(baseUrl.ToString());
        listener.Start();
    }

    public void Dispose() => listener.Close();

    [Fact]
    public async Task Sends_model_messages_options_and_key_and_reads_the_answer_after_retrying_a_503()
    {
        var requests = new List<(string Auth, JsonElement Body)>();
        var server = Task.Run(async () =>
        {
            for (int i = 0; i < 2; i++)
            {
                var context = await listener.GetContextAsync();
                using var reader = new StreamReader(context.Request.InputStream);
                requests.Add((context.Request.Headers["Authorization"] ?? string.Empty, JsonDocument.Parse(await reader.ReadToEndAsync()).RootElement.Clone()));
                Assert.Equal("/v1/chat/completions", context.Request.Url!.AbsolutePath);
                context.Response.StatusCode = i == 0 ? 503 : 200;
                byte[] body = Encoding.UTF8.GetBytes(i == 0
                    ? "{\"error\":\"busy\"}"
                    : "{\"model\":\"tiny\",\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"Oslo\"}}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":1}}");
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        });

        using var client = ChatClientFactory.Create(baseUrl, "sk-test");
        var response = await client.GetResponseAsync(
            [new ChatMessage(ChatRole.System, "be brief"), new ChatMessage(ChatRole.User, "Where?")],
            new ChatOptions { Temperature = 0, MaxOutputTokens = 16 });
        await server;

        Assert.Equal("Oslo", response.Text);
        Assert.Equal(12, response.Usage!.InputTokenCount);
        Assert.Equal(2, requests.Count);
        var (auth, body) = requests[1];
        Assert.Equal("Bearer sk-test", auth);
        Assert.Equal("tiny", body.GetProperty("model").GetString());
        Assert.Equal(0, body.GetProperty("temperature").GetDouble());
        Assert.Equal(16, body.GetProperty("max_tokens").GetInt32());
        Assert.False(body.TryGetProperty("max_completion_tokens", out _)); // Ollama reads only max_tokens
        Assert.Equal("system", body.GetProperty("messages")[0].GetProperty("role").GetString());
        Assert.Equal("Where?", body.GetProperty("messages")[1].GetProperty("content").GetString());
    }

    [Fact]
    public async Task A_client_error_is_reported_with_the_status_and_not_retried()
    {
        var server = Task.Run(async () =>
        {
            var context = await listener.GetContextAsync();
            context.Response.StatusCode = 401;
            await context.Response.OutputStream.WriteAsync("{\"error\":\"bad key\"}"u8.ToArray());
            context.Response.Close();
        });

        using var client = ChatClientFactory.Create(baseUrl);
        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")]));
        await server;
        Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);
        Assert.Contains("bad key", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_request_is_not_retried_and_the_error_is_one_line()
    {
        await using var server = new ScriptedHttpServer((_, _) => Task.FromResult(new ScriptedResponse(400, "{\n  \"error\": {\"message\": \"context too long\"}\n}")));
        using var client = ChatClientFactory.Create(server.BaseUrl);
        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")]));
        Assert.Equal(1, server.Calls);
        Assert.Equal(HttpStatusCode.BadRequest, ex.StatusCode);
        Assert.Contains("context too long", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public async Task A_200_whose_body_is_not_a_chat_completion_names_the_endpoint_and_the_body()
    {
        // A web UI or a proxy at the configured URL answers its HTML page: the SDK's JsonException ("'<' is an invalid start
        // of a value. LineNumber: 0") named neither the endpoint nor the answer, and read like a problem in the caller's file.
        await using var server = new ScriptedHttpServer((_, _) => Task.FromResult(new ScriptedResponse(200, "<!doctype html>\n<html><head><title>Open WebUI</title></head></html>")));
        using var client = ChatClientFactory.Create(server.BaseUrl);

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")]));

        Assert.Equal(1, server.Calls); // the same page again would not help
        Assert.Equal(HttpStatusCode.OK, ex.StatusCode);
        Assert.Contains(new Uri(server.BaseUrl, "chat/completions").ToString(), ex.Message, StringComparison.Ordinal);
        Assert.Contains("not a chat completion", ex.Message, StringComparison.Ordinal);
        Assert.Contains("<title>Open WebUI</title>", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public async Task Retries_stop_after_max_retries_with_the_status()
    {
        await using var server = new ScriptedHttpServer((_, _) => Task.FromResult(new ScriptedResponse(502, "{}")));
        using var client = ChatClientFactory.Create(server.BaseUrl, maxRetries: 2);
        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")]));
        Assert.Equal(3, server.Calls);
        Assert.Equal(HttpStatusCode.BadGateway, ex.StatusCode);
        Assert.Contains("gave up after 3 attempts", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_timeout_is_retried_then_reported_as_a_timeout()
    {
        // The server answers far later than the client waits; the client's second attempt is counted as it arrives.
        await using var server = new ScriptedHttpServer(async (_, _) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30));
            return new ScriptedResponse(200, "{}");
        });
        using var client = ChatClientFactory.Create(server.BaseUrl, maxRetries: 1, timeoutSeconds: 1);
        var ex = await Assert.ThrowsAsync<TaskCanceledException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")]));
        Assert.IsType<TimeoutException>(ex.InnerException);
        Assert.Contains("did not answer within 1 s", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, server.Calls);
    }

    [Fact]
    public async Task An_unreachable_server_has_no_status_and_cancellation_is_not_retried()
    {
        var server = new ScriptedHttpServer((_, _) => Task.FromResult(new ScriptedResponse(200, "{}")));
        Uri url = server.BaseUrl;
        await server.DisposeAsync();
        using var client = ChatClientFactory.Create(url, maxRetries: 1);
        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")]));
        Assert.Null(ex.StatusCode);
        Assert.Contains("could not be reached", ex.Message, StringComparison.Ordinal);

        // Cancelled once the request is at the server (not after a fixed delay, which a loaded machine may spend connecting).
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var slow = new ScriptedHttpServer(async (_, _) =>
        {
            arrived.TrySetResult();
            await Task.Delay(5000);
            return new ScriptedResponse(200, "{}");
        });
        using var slowClient = ChatClientFactory.Create(slow.BaseUrl);
        using var cts = new CancellationTokenSource();
        var call = slowClient.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], cancellationToken: cts.Token);
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal(1, slow.Calls);
    }
}
