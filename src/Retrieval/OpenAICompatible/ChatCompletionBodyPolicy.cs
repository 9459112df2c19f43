using System.Text.Json;

namespace AgentMem.Retrieval.OpenAICompatible;

/// <summary>
/// Fails a successful answer to a (not streamed) chat completion request whose body is not a JSON object, such as the HTML
/// page of a web UI or a proxy at the configured URL, with an <see cref="UnusableAnswerException"/> that
/// <see cref="EndpointFailure"/> reads as a failure of the endpoint naming it and the body's start. The SDK would throw
/// System.Text.Json's bare "'&lt;' is an invalid start of a value. LineNumber: 0", which names neither, and whose line and
/// byte read like a problem in the caller's own file. Placed per call, after the retries: the same page again would not help.
/// </summary>
internal sealed class ChatCompletionBodyPolicy : PipelinePolicy
{
    /// <summary>The one instance; the policy has no state.</summary>
    public static ChatCompletionBodyPolicy Instance { get; } = new();

    /// <inheritdoc/>
    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        ProcessNext(message, pipeline, currentIndex);
        Check(message);
    }

    /// <inheritdoc/>
    public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        await ProcessNextAsync(message, pipeline, currentIndex).ConfigureAwait(false);
        Check(message);
    }

    private static void Check(PipelineMessage message)
    {
        // A streamed answer is read as it arrives (server-sent events, not one JSON object); an error status is the SDK's to report.
        if (!message.BufferResponse || message.Response is not { IsError: false } response || IsJsonObject(response.Content))
        {
            return;
        }

        throw new UnusableAnswerException(response.Status, string.Create(CultureInfo.InvariantCulture, $"answered {response.Status} with a body that is not a chat completion: {EndpointFailure.OneLine(response.Content.ToString())}"));
    }

    private static bool IsJsonObject(BinaryData body)
    {
        try
        {
            using var document = JsonDocument.Parse(body.ToMemory());
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
