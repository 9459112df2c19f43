namespace AgentMem.Agents;

/// <summary>
/// Asks a model for the durable facts in one exchange, as a JSON array of strings. Models wrap JSON in
/// prose or code fences and sometimes return garbage, so the reply is searched for the array and
/// validated; anything unusable yields no facts rather than an error, since the turn itself is stored.
/// </summary>
internal static class FactExtractor
{
    private const int MaxFactLength = 1000;

    private const string Prompt =
        "Extract the durable facts about the user from this exchange: preferences, plans, relationships, events with dates. " +
        "Write each fact as one self-contained sentence. Reply with only a JSON array of strings, e.g. [\"The user has a cat named Miso.\"]; reply [] if there are none.";

    public static async Task<IReadOnlyList<string>> ExtractAsync(IChatClient client, string userMessage, string reply, int maxFacts, CancellationToken cancellationToken)
    {
        List<ChatMessage> messages =
        [
            new(ChatRole.System, Prompt),
            new(ChatRole.User, $"User: {userMessage}\nAssistant: {reply}"),
        ];
        var response = await client.GetResponseAsync(messages, cancellationToken: cancellationToken).ConfigureAwait(false);
        return Parse(response.Text, maxFacts);
    }

    /// <summary>
    /// The distinct, non-empty strings of the facts array in <paramref name="text"/>: the <c>facts</c> property (any case) of a
    /// wrapping object when there is one, otherwise the last JSON array holding a string, at the top level or as a property of
    /// an object (prose may quote the format, such as "reply [] if there are none"); none if there is no such array.
    /// </summary>
    public static IReadOnlyList<string> Parse(string? text, int maxFacts)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        // Top-level arrays, and arrays an object wraps ({"facts": [...]}, as JSON-mode endpoints reply). A wrapper's "facts"
        // is the answer, not its other arrays ("topics": a label was stored as a fact); otherwise the last array holding a
        // string, since prose may quote the format's empty "[]" before or after the answer, or add numbers ("confidence: [0.9]").
        var arrays = new List<JsonElement>();
        var wrapped = new List<JsonElement>();
        foreach (var (value, error, _) in Structured.StructuredReply.JsonValues(text))
        {
            if (error is not null)
            {
                continue;
            }

            if (value.ValueKind == JsonValueKind.Array)
            {
                arrays.Add(value);
            }
            else if (value.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in value.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Array))
                {
                    (string.Equals(property.Name, "facts", StringComparison.OrdinalIgnoreCase) ? wrapped : arrays).Add(property.Value);
                }
            }
        }

        var candidates = wrapped.Count > 0 ? wrapped : arrays;
        if (candidates.LastOrDefault(a => a.EnumerateArray().Any(e => e.ValueKind == JsonValueKind.String)) is not { ValueKind: JsonValueKind.Array } array)
        {
            return [];
        }

        var facts = new List<string>();
        foreach (var element in array.EnumerateArray())
        {
            // Only strings count: numbers, objects or nulls mean the model ignored the format. Control characters go (a
            // NUL, which "\u0000" gives, is refused by the store and failed the whole turn).
            if (element.ValueKind != JsonValueKind.String || Structured.StructuredReply.Clean(element.GetString(), int.MaxValue) is not { Length: > 0 and <= MaxFactLength } fact)
            {
                continue;
            }

            if (!facts.Contains(fact, StringComparer.Ordinal) && facts.Count < maxFacts)
            {
                facts.Add(fact);
            }
        }

        return facts;
    }
}
