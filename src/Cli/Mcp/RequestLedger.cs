namespace AgentMem.Cli.Mcp;

/// <summary>
/// Counts the JSON-RPC requests a client sent and the responses the server wrote, line by line (MCP's stdio framing is
/// one message per line), so the end of input can wait for every answer instead of cutting the server off.
/// </summary>
internal sealed class RequestLedger
{
    private readonly Lock gate = new();
    private TaskCompletionSource settled = NewSettled(done: true);
    private int requested;
    private int answered;

    /// <summary>Completes once every request counted so far has its response.</summary>
    public Task AllAnswered
    {
        get
        {
            lock (gate)
            {
                return settled.Task;
            }
        }
    }

    /// <summary>Counts a client line if it is a request (a method and an id).</summary>
    public void OnClientLine(ReadOnlySpan<byte> line)
    {
        if (Classify(line) == Kind.Request)
        {
            lock (gate)
            {
                if (requested++ == answered)
                {
                    settled = NewSettled(done: false);
                }
            }
        }
    }

    /// <summary>Counts a server line if it is a response (an id and a result or error, no method).</summary>
    public void OnServerLine(ReadOnlySpan<byte> line)
    {
        if (Classify(line) == Kind.Response)
        {
            lock (gate)
            {
                if (++answered >= requested)
                {
                    settled.TrySetResult();
                }
            }
        }
    }

    private static TaskCompletionSource NewSettled(bool done)
    {
        var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (done)
        {
            source.SetResult();
        }

        return source;
    }

    private static Kind Classify(ReadOnlySpan<byte> line)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("id", out _))
            {
                return Kind.Other;
            }

            if (root.TryGetProperty("method", out _))
            {
                return Kind.Request;
            }

            return root.TryGetProperty("result", out _) || root.TryGetProperty("error", out _) ? Kind.Response : Kind.Other;
        }
        catch (JsonException)
        {
            return Kind.Other; // the server answers a malformed line with a parse error that has no id to count
        }
    }

    private enum Kind
    {
        Other,
        Request,
        Response,
    }
}
