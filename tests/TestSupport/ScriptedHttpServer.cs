using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace AgentMem.TestSupport;

/// <summary>A loopback-only (127.0.0.1) HTTP server whose answers a test scripts per call.</summary>
public sealed class ScriptedHttpServer : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly Func<int, ScriptedRequest, Task<ScriptedResponse>> _script;
    private readonly Task _loop;
    private int _calls;

    /// <summary>Starts listening; <paramref name="script"/> answers call number n (from 0) to each request.</summary>
    public ScriptedHttpServer(Func<int, ScriptedRequest, Task<ScriptedResponse>> script)
    {
        _script = script;
        for (int attempt = 0; ; attempt++)
        {
            // The probed port can be taken again before we bind it (the box is shared): probe another one.
            int port = FreePort();
            var listener = new HttpListener();
            try
            {
                listener.Prefixes.Add($"http://127.0.0.1:{port}/");
                listener.Start();
                _listener = listener;
                BaseUrl = new Uri($"http://127.0.0.1:{port}/v1/");
                break;
            }
            catch (HttpListenerException) when (attempt < 10)
            {
                Abort(listener);
            }
        }

        _loop = Task.Run(LoopAsync);
    }

    /// <summary>The API base, <c>http://127.0.0.1:PORT/v1/</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>Every request, in arrival order, recorded as it arrives (before the script answers).</summary>
    public ConcurrentQueue<ScriptedRequest> Requests { get; } = new();

    /// <summary>Requests received so far.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>A JSON answer with <paramref name="status"/>.</summary>
    public static ScriptedResponse Json(object body, int status = 200) => new(status, JsonSerializer.Serialize(body));

    /// <summary>An OpenAI-style answer embedding each input as [length, first char code, position in batch], in the given index order.</summary>
    public static ScriptedResponse Embeddings(ScriptedRequest request, bool reverse = false, int extraDims = 0)
    {
        string[] inputs = request.Inputs;
        var data = new List<object>();
        for (int k = 0; k < inputs.Length; k++)
        {
            int i = reverse ? inputs.Length - 1 - k : k;
            float[] vector = [inputs[i].Length, inputs[i][0], i, .. new float[extraDims]];
            data.Add(new { @object = "embedding", index = i, embedding = vector });
        }

        return Json(new { @object = "list", data, model = request.Model, usage = new { prompt_tokens = inputs.Length * 3, total_tokens = inputs.Length * 3 } });
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        Abort(_listener);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (HttpListenerException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            // Counted as it arrives (a client that gives up before it is handled still made the call); each request on
            // its own task, so a scripted delay does not hold up the retry behind it.
            int call = Interlocked.Increment(ref _calls) - 1;
            _ = Task.Run(() => HandleAsync(context, call));
        }
    }

    private async Task HandleAsync(HttpListenerContext context, int call)
    {
        try
        {
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            string body = await reader.ReadToEndAsync().ConfigureAwait(false);
            var request = new ScriptedRequest(context.Request.HttpMethod, context.Request.Url!.AbsolutePath, context.Request.Headers["Authorization"], body);
            Requests.Enqueue(request);
            ScriptedResponse response = await _script(call, request).ConfigureAwait(false);
            context.Response.StatusCode = response.Status;
            if (response.RetryAfterSeconds is int seconds)
            {
                context.Response.Headers["Retry-After"] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            byte[] bytes = Encoding.UTF8.GetBytes(response.Body);
            context.Response.ContentType = "application/json";
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
            context.Response.Close();
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The client gave up (timeout test) or the server is stopping.
        }
    }

    // Abort alone: the managed listener's Stop-then-Close removes its prefixes twice, and the second time
    // re-binds the already freed port, failing with "address already in use" if anything took it meanwhile.
    private static void Abort(HttpListener listener)
    {
        try
        {
            listener.Abort();
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
        {
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}

/// <summary>A request as the server received it.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The absolute path.</param>
/// <param name="Authorization">The Authorization header, if any.</param>
/// <param name="Body">The body text.</param>
public sealed record ScriptedRequest(string Method, string Path, string? Authorization, string Body)
{
    /// <summary>The body's <c>model</c>.</summary>
    public string Model => JsonDocument.Parse(Body).RootElement.GetProperty("model").GetString()!;

    /// <summary>The body's <c>input</c> texts.</summary>
    public string[] Inputs => JsonDocument.Parse(Body).RootElement.GetProperty("input").Deserialize<string[]>()!;
}

/// <summary>A scripted answer.</summary>
/// <param name="Status">The HTTP status.</param>
/// <param name="Body">The JSON body.</param>
/// <param name="RetryAfterSeconds">A Retry-After header, if any.</param>
public sealed record ScriptedResponse(int Status, string Body, int? RetryAfterSeconds = null);
