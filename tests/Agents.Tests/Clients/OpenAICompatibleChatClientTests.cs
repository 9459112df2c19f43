using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using AgentMem.Agents.Clients;
using Microsoft.Extensions.AI;

namespace AgentMem.Agents.Tests.Clients;

/// <summary>Talks to a scripted HTTP server on loopback, so the real request and parsing code runs.</summary>
public sealed class OpenAICompatibleChatClientTests : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly Uri baseUrl;

    public OpenAICompatibleChatClientTests()
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

        using var client = new OpenAICompatibleChatClient(baseUrl, "tiny", "sk-test");
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

        using var client = new OpenAICompatibleChatClient(baseUrl, "tiny");
        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")]));
        await server;
        Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);
        Assert.Contains("bad key", ex.Message, StringComparison.Ordinal);
    }
}
