namespace AgentMem.Agents.Structured;

/// <summary>
/// The frame of a step a model does with an offline fallback (fact classification, note construction): the step asks the
/// model for one JSON object under its <see cref="StructuredPrompt"/>, retrying invalid replies (<see cref="StructuredReply"/>),
/// and when no valid reply comes it hands the item to <see cref="Fallback"/>, an implementation of the same port that needs
/// no model. Model text is only ever read through the step's validator.
/// </summary>
/// <typeparam name="TPort">The port both the model step and its fallback implement.</typeparam>
public abstract class ModelWithFallback<TPort>
    where TPort : class
{
    private readonly IChatClient client;
    private readonly StructuredPrompt prompt;

    /// <summary>Asks <paramref name="client"/> with <paramref name="prompt"/>; <paramref name="fallback"/> decides when the model cannot.</summary>
    protected ModelWithFallback(IChatClient client, TPort fallback, StructuredPrompt prompt)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(fallback);
        ArgumentNullException.ThrowIfNull(prompt);
        this.client = client;
        this.prompt = prompt;
        Fallback = fallback;
    }

    /// <summary>Model calls per item before falling back (default 3).</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>What decides when the model gives no valid reply.</summary>
    protected TPort Fallback { get; }

    /// <summary>
    /// Sends the prompt with <paramref name="input"/> as the user message and returns the first reply <paramref name="validate"/>
    /// accepts, or null with the last problem after <see cref="MaxAttempts"/> tries or a failed call.
    /// </summary>
    protected Task<(T? Value, string Problem)> AskAsync<T>(string input, Func<JsonElement, (T? Value, string Problem)> validate, CancellationToken cancellationToken)
        where T : class
    {
        List<ChatMessage> messages = [new(ChatRole.System, prompt.Instructions), new(ChatRole.User, input)];
        return StructuredReply.AskAsync(client, messages, prompt.CreateOptions(), validate, MaxAttempts, cancellationToken);
    }
}
