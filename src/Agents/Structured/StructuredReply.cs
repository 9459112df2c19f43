namespace AgentMem.Agents.Structured;

/// <summary>
/// Asks a model for one JSON object and keeps asking until a validator accepts it: local models often return prose around
/// the JSON, truncated JSON or the wrong shape, so an invalid reply is sent back with what was wrong, up to a number of tries.
/// The caller decides what to do when no valid reply comes (usually an offline fallback).
/// </summary>
public static class StructuredReply
{
    /// <summary>
    /// Sends <paramref name="messages"/> (extended in place with the failed replies and corrections) and returns the first
    /// value <paramref name="validate"/> accepts, or null with the last problem. A failing model call ends the loop at once.
    /// </summary>
    public static async Task<(T? Value, string Problem)> AskAsync<T>(
        IChatClient client,
        List<ChatMessage> messages,
        ChatOptions options,
        Func<JsonElement, (T? Value, string Problem)> validate,
        int maxAttempts,
        CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(validate);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        string problem = "no reply";
        for (int attempt = 1; attempt <= maxAttempts; attempt++)
        {
            string reply;
            try
            {
                reply = (await client.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false)).Text;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return (null, $"the model call failed ({ex.GetType().Name}: {ex.Message})");
            }

            if (TryReadObject(reply, out var root, out problem))
            {
                var (value, invalid) = validate(root);
                if (value is not null)
                {
                    return (value, string.Empty);
                }

                problem = invalid;
            }

            messages.Add(new ChatMessage(ChatRole.Assistant, reply));
            messages.Add(new ChatMessage(ChatRole.User, $"That reply is invalid: {problem}. Reply again with only the JSON object."));
        }

        return (null, problem);
    }

    /// <summary>
    /// The one JSON object in <paramref name="reply"/>, tolerating prose or code fences around it; false with the reason when
    /// there is none, it does not parse, or it is an array.
    /// </summary>
    public static bool TryReadObject(string? reply, out JsonElement root, out string problem)
    {
        root = default;
        if (string.IsNullOrWhiteSpace(reply))
        {
            problem = "it is empty";
            return false;
        }

        int start = reply.IndexOf('{', StringComparison.Ordinal);
        int end = reply.LastIndexOf('}');
        if (start < 0 || end <= start)
        {
            problem = "it holds no JSON object";
            return false;
        }

        int bracket = reply.IndexOf('[', StringComparison.Ordinal);
        if (bracket >= 0 && bracket < start)
        {
            problem = "it must be one JSON object, not an array";
            return false;
        }

        try
        {
            using var doc = JsonDocument.Parse(reply.AsMemory(start, end - start + 1));
            root = doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            problem = $"it is not valid JSON ({ex.Message})";
            return false;
        }

        problem = string.Empty;
        return true;
    }

    /// <summary>Control characters removed and cut to <paramref name="max"/> characters: model text is untrusted.</summary>
    public static string Clean(string? text, int max)
    {
        string clean = new((text ?? string.Empty).Where(c => !char.IsControl(c)).ToArray());
        return clean.Length <= max ? clean.Trim() : clean[..max].Trim();
    }
}
