using ChatCompletionOptions = OpenAI.Chat.ChatCompletionOptions;
using StreamingChatCompletionUpdate = OpenAI.Chat.StreamingChatCompletionUpdate;

namespace AgentMem.Retrieval.OpenAICompatible;

/// <summary>
/// The M.E.AI OpenAI chat client with three things the SDK does not do for a server that is merely OpenAI-compatible:
/// <list type="bullet">
/// <item>Failures become what hosts already handle as a one-line error: <see cref="HttpRequestException"/> (with the
/// status, or none when the server could not be reached) and, for a timeout, <see cref="TaskCanceledException"/> over a
/// <see cref="TimeoutException"/> as <see cref="HttpClient"/> throws. Otherwise the SDK's multi-line
/// <c>ClientResultException</c> (System.ClientModel) would reach every host.</item>
/// <item>The output limit is sent as <c>max_tokens</c>, not the SDK's <c>max_completion_tokens</c>: Ollama's OpenAI
/// endpoint reads only <c>max_tokens</c> (ollama/ollama#7125), so the limit would be silently ignored there.</item>
/// <item>An error event in a stream (<c>data: {"error": …}</c>, which vLLM, llama.cpp server and Ollama send when
/// generation fails after the headers) throws; the SDK skips it and the reply would just end.</item>
/// </list>
/// </summary>
internal sealed class EndpointChatClient : DelegatingChatClient
{
    private readonly Uri _endpoint;
    private readonly OpenAICompatibleOptions _options;

    /// <summary>Wraps <paramref name="inner"/>, which calls <paramref name="endpoint"/> with <paramref name="options"/>.</summary>
    public EndpointChatClient(IChatClient inner, Uri endpoint, OpenAICompatibleOptions options)
        : base(inner)
    {
        _endpoint = endpoint;
        _options = options;
    }

    /// <inheritdoc/>
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await base.GetResponseAsync(messages, WithMaxTokens(options), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (EndpointFailure.From(ex, _endpoint, _options, cancellationToken) is { } failure)
        {
            throw Translate(failure, ex);
        }
    }

    /// <inheritdoc/>
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var updates = base.GetStreamingResponseAsync(messages, WithMaxTokens(options), cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using var disposeUpdates = updates.ConfigureAwait(false);
        while (true)
        {
            // A yield cannot sit inside a try with a catch, so only the move is guarded.
            bool more;
            try
            {
                more = await updates.MoveNextAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (EndpointFailure.From(ex, _endpoint, _options, cancellationToken) is { } failure)
            {
                throw Translate(failure, ex);
            }

            if (!more)
            {
                yield break;
            }

            if (updates.Current.RawRepresentation is StreamingChatCompletionUpdate raw && StreamedError(raw) is { } error)
            {
                throw new HttpRequestException($"The chat endpoint {_endpoint} reported an error mid-stream: {EndpointFailure.OneLine(error)}");
            }

            yield return updates.Current;
        }
    }

    /// <summary>The options with the output limit moved from the SDK's <c>max_completion_tokens</c> to <c>max_tokens</c>.</summary>
    private static ChatOptions? WithMaxTokens(ChatOptions? options)
    {
        if (options?.MaxOutputTokens is not int limit)
        {
            return options;
        }

        var moved = options.Clone();
        moved.MaxOutputTokens = null;
        var inner = options.RawRepresentationFactory;
        moved.RawRepresentationFactory = client =>
        {
            var raw = inner?.Invoke(client) as ChatCompletionOptions ?? new ChatCompletionOptions();
#pragma warning disable SCME0001 // JsonPatch is marked experimental; it is the SDK's way to send a field it does not model.
            raw.Patch.Set("$.max_tokens"u8, limit);
#pragma warning restore SCME0001
            return raw;
        };
        return moved;
    }

    /// <summary>The <c>error</c> member of a streamed chunk, kept by the SDK among the fields it does not model; null when none.</summary>
    private static string? StreamedError(StreamingChatCompletionUpdate update)
    {
#pragma warning disable SCME0001
        return update.Patch.Contains("$.error"u8) ? update.Patch.GetJson("$.error"u8).ToString() : null;
#pragma warning restore SCME0001
    }

    private static Exception Translate(EndpointFailure failure, Exception cause) =>
        failure.TimedOut
            ? new TaskCanceledException("The chat endpoint " + failure.Message, new TimeoutException(failure.Message, cause))
            : new HttpRequestException("The chat endpoint " + failure.Message, cause, failure.Status);
}
