namespace AgentMem.Cli.Mcp;

/// <summary>
/// Tracks the JSON-RPC requests a client sent that the server has not answered yet, line by line (MCP's stdio framing is
/// one message per line), so the end of input can wait for every answer instead of cutting the server off.
/// </summary>
/// <remarks>
/// By id, not by count: a request the client cancels (<c>notifications/cancelled</c>) gets no response (the MCP spec and
/// the SDK), so counting would wait for an answer that never comes, holding the database until the drain timeout.
/// </remarks>
internal sealed class RequestLedger
{
    private const string JsonRpcVersion = "2.0";
    private const string CancelledMethod = "notifications/cancelled";

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private readonly Lock gate = new();
    private readonly Dictionary<string, int> pending = new(StringComparer.Ordinal);
    private TaskCompletionSource settled = NewSettled(done: true);

    /// <summary>Completes once every request seen so far has its response or was cancelled by the client.</summary>
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

    /// <summary>Notes a client line: a JSON-RPC 2.0 request (a method and a string or integer id) now waits; a cancellation settles the request it names.</summary>
    public void OnClientLine(ReadOnlySpan<byte> line)
    {
        var (kind, id) = Classify(line);
        if (kind == Kind.Request)
        {
            lock (gate)
            {
                if (pending.Count == 0)
                {
                    settled = NewSettled(done: false);
                }

                pending[id!] = pending.GetValueOrDefault(id!) + 1;
            }
        }
        else if (kind == Kind.Cancellation)
        {
            Settle(id!);
        }
    }

    /// <summary>Notes a server line: a response (an id and a result or error, no method) settles its request.</summary>
    public void OnServerLine(ReadOnlySpan<byte> line)
    {
        var (kind, id) = Classify(line);
        if (kind == Kind.Response)
        {
            Settle(id!);
        }
    }

    private void Settle(string id)
    {
        lock (gate)
        {
            if (!pending.TryGetValue(id, out int count))
            {
                return; // a response to a request already cancelled, or to one never seen
            }

            if (count > 1)
            {
                pending[id] = count - 1;
            }
            else
            {
                pending.Remove(id);
            }

            if (pending.Count == 0)
            {
                settled.TrySetResult();
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

    private static (Kind Kind, string? Id) Classify(ReadOnlySpan<byte> line)
    {
        // The SDK's parser skips a UTF-8 byte order mark (a file saved by Notepad, piped in) and answers; this reader does not.
        if (line.StartsWith(Utf8Bom))
        {
            line = line[Utf8Bom.Length..];
        }

        try
        {
            var reader = new Utf8JsonReader(line);
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (Kind.Other, null);
            }

            // The SDK drops a line that is not JSON-RPC 2.0 without a word, so no answer will come for it.
            if (!root.TryGetProperty("jsonrpc", out var version) || version.ValueKind != JsonValueKind.String || !version.ValueEquals(JsonRpcVersion))
            {
                return (Kind.Other, null);
            }

            bool hasMethod = root.TryGetProperty("method", out var method) && method.ValueKind == JsonValueKind.String;
            if (!root.TryGetProperty("id", out var id))
            {
                // A notification; the cancellation one names the request it gives up on.
                return hasMethod && method.ValueEquals(CancelledMethod)
                    && root.TryGetProperty("params", out var parameters) && parameters.ValueKind == JsonValueKind.Object
                    && parameters.TryGetProperty("requestId", out var requestId) && IdKey(requestId) is { } cancelled
                    ? (Kind.Cancellation, cancelled)
                    : (Kind.Other, null);
            }

            if (IdKey(id) is not { } key)
            {
                return (Kind.Other, null); // an id the SDK refuses (the line is dropped), or null (MCP forbids it)
            }

            if (hasMethod)
            {
                return (Kind.Request, key);
            }

            return root.TryGetProperty("result", out _) || root.TryGetProperty("error", out _) ? (Kind.Response, key) : (Kind.Other, null);
        }
        catch (JsonException)
        {
            return (Kind.Other, null); // the server answers a malformed line with a parse error that has no id to settle
        }
        catch (InvalidOperationException)
        {
            // A string read here (the version, the method, an id) that escapes a lone surrogate ("\ud800") cannot be read as
            // text: the SDK drops the line (its reader fails with a JsonException), so no answer will come. Uncaught, it ended
            // the server, unanswered requests and all. (One inside a tool's arguments is answered: UnreadableArguments.)
            return (Kind.Other, null);
        }
    }

    // By value: the server's writer escapes characters ('+', '<', non-ASCII) that the client may have sent as they are.
    // A request id is a string or an integer (the SDK's RequestId); anything else has no key.
    private static string? IdKey(JsonElement id) => id.ValueKind switch
    {
        JsonValueKind.String => "s:" + id.GetString(),
        JsonValueKind.Number when id.TryGetInt64(out long number) => "n:" + number.ToString(CultureInfo.InvariantCulture),
        _ => null,
    };

    private enum Kind
    {
        Other,
        Request,
        Response,
        Cancellation,
    }
}
