using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;

namespace AgentMem.Cli.Tests;

/// <summary>
/// An OpenAI-compatible <c>POST /v1/embeddings</c> on loopback, written for the tests: it answers slowly (as a model
/// would) with a deterministic vector per text, and counts every text it was asked to embed.
/// </summary>
internal sealed class FakeEmbeddingService : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly TimeSpan delay;
    private readonly CancellationTokenSource stop = new();
    private readonly Task serving;

    public FakeEmbeddingService(TimeSpan delay)
    {
        this.delay = delay;
        int port = LocalService.FreePort();
        BaseUrl = $"http://127.0.0.1:{port}/v1";
        listener.Prefixes.Add($"http://127.0.0.1:{port}/v1/");
        listener.Start();
        serving = Task.Run(ServeAsync);
    }

    /// <summary>The API base to give <c>--embedder-url</c>.</summary>
    public string BaseUrl { get; }

    /// <summary>Every text asked for, in order, once per time it was asked.</summary>
    public ConcurrentQueue<string> Embedded { get; } = new();

    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
        listener.Close();
        try
        {
            serving.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

    private async Task ServeAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpListenerException)
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
            using var request = await JsonDocument.ParseAsync(context.Request.InputStream);
            var input = request.RootElement.GetProperty("input");
            var texts = input.ValueKind == JsonValueKind.Array ? input.EnumerateArray().Select(e => e.GetString()!).ToList() : [input.GetString()!];
            foreach (string text in texts)
            {
                Embedded.Enqueue(text); // counted when asked, so a request cut by the caller's death counts for its life
            }

            await Task.Delay(delay, stop.Token);

            var body = JsonSerializer.SerializeToUtf8Bytes(new { data = texts.Select((t, i) => new { index = i, embedding = Vector(t) }), model = "fake" });
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(body, stop.Token);
            context.Response.Close();
        }
        catch (Exception)
        {
            try
            {
                context.Response.Abort();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private static float[] Vector(string text)
    {
        var v = new float[8];
        foreach (var (b, i) in Encoding.UTF8.GetBytes(text).Select((b, i) => (b, i)))
        {
            v[i % 8] += b;
        }

        float norm = MathF.Sqrt(v.Sum(x => x * x));
        return v.Select(x => x / norm).ToArray();
    }
}
