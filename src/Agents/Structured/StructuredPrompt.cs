namespace AgentMem.Agents.Structured;

/// <summary>
/// A system prompt that asks for one JSON object under a schema: the task's instructions end with the schema, which is also
/// sent as the response format, at temperature 0 (the reply is a decision, not prose). Immutable, so one instance serves
/// every call of a step.
/// </summary>
public sealed class StructuredPrompt
{
    private readonly JsonElement schema;
    private readonly string schemaName;
    private readonly string schemaDescription;

    /// <summary>
    /// Creates the prompt: <paramref name="task"/> (ending with a line break) followed by the request for one JSON object
    /// matching <paramref name="schema"/>, which is sent as the response format named <paramref name="schemaName"/>.
    /// </summary>
    public StructuredPrompt(string task, string schema, string schemaName, string schemaDescription)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(task);
        ArgumentException.ThrowIfNullOrWhiteSpace(schema);
        ArgumentException.ThrowIfNullOrWhiteSpace(schemaName);
        ArgumentNullException.ThrowIfNull(schemaDescription);
        Instructions = task + "Reply with only one JSON object matching this schema, no prose:\n" + schema;
        this.schema = JsonDocument.Parse(schema).RootElement.Clone();
        this.schemaName = schemaName;
        this.schemaDescription = schemaDescription;
    }

    /// <summary>The system message: the task, then the schema the reply must match.</summary>
    public string Instructions { get; }

    /// <summary>New options for one call (a client may keep or change what it is given): the schema as response format, temperature 0.</summary>
    public ChatOptions CreateOptions() =>
        new() { ResponseFormat = ChatResponseFormat.ForJsonSchema(schema, schemaName, schemaDescription), Temperature = 0 };
}
