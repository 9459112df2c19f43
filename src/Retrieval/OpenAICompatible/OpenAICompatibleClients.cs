using OpenAI;

namespace AgentMem.Retrieval.OpenAICompatible;

/// <summary>
/// The one way AgentMem talks to an OpenAI-compatible service (OpenAI, Ollama, vLLM, llama.cpp server): the OpenAI SDK
/// behind Microsoft.Extensions.AI's adapters, pointed at <see cref="OpenAICompatibleOptions.BaseUrl"/>, with the SDK's
/// retry policy replaced by one that follows <see cref="Common.Http.RetryTiming"/>.
/// </summary>
/// <remarks>
/// It lives in Retrieval because that is the lowest layer that needs it (the HTTP embedder); every chat user (Agents,
/// Benchmarks, the hosts) sits above Retrieval. Common, lower still, stays free of packages.
/// </remarks>
public static class OpenAICompatibleClients
{
    /// <summary>
    /// A chat client for <c>{BaseUrl}/chat/completions</c>: plain and streamed answers, tools and tool calls. Failures
    /// surface as <see cref="HttpRequestException"/> (with the status when the server answered, 200 included when its body
    /// is not a chat completion, as a web UI's page is) after the retries, and a
    /// timeout as <see cref="TaskCanceledException"/>; the caller's cancellation as <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <param name="options">The endpoint, model, key, timeout and retries; validated here.</param>
    /// <exception cref="ArgumentException">A setting cannot work.</exception>
    public static IChatClient CreateChatClient(OpenAICompatibleOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var client = CreateClient(options, ChatCompletionBodyPolicy.Instance).GetChatClient(options.Model).AsIChatClient();
        return new EndpointChatClient(client, Endpoint(options, "chat/completions"), options);
    }

    /// <summary>
    /// An embedding generator for <c>{BaseUrl}/embeddings</c>: inputs sent in batches of
    /// <see cref="OpenAICompatibleOptions.BatchSize"/>, every answer checked, failures raised as
    /// <see cref="Embeddings.EmbeddingServiceException"/> after the retries.
    /// </summary>
    /// <param name="options">The endpoint, model, key, timeout, retries, batch size and dimension; validated here.</param>
    /// <exception cref="ArgumentException">A setting cannot work.</exception>
    public static IEmbeddingGenerator<string, Embedding<float>> CreateEmbeddingGenerator(OpenAICompatibleOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new BatchedEmbeddingGenerator(CreateClient(options).GetEmbeddingClient(options.Model), Endpoint(options, "embeddings"), options);
    }

    private static OpenAIClient CreateClient(OpenAICompatibleOptions options, PipelinePolicy? perCall = null)
    {
        var clientOptions = new OpenAIClientOptions
        {
            // The SDK appends its paths to the endpoint; a trailing slash would double the separator.
            Endpoint = new Uri(options.BaseUrl.ToString().TrimEnd('/')),
            RetryPolicy = new RetryTimingPolicy(options),
            NetworkTimeout = options.Timeout,
        };
        if (perCall is not null)
        {
            clientOptions.AddPolicy(perCall, PipelinePosition.PerCall);
        }

        AuthenticationPolicy authentication = string.IsNullOrEmpty(options.ApiKey)
            ? NoAuthenticationPolicy.Instance
            : ApiKeyAuthenticationPolicy.CreateBearerAuthorizationPolicy(new System.ClientModel.ApiKeyCredential(options.ApiKey));
#pragma warning disable OPENAI001 // The authentication-policy constructor is marked experimental; it is the SDK's only way to send no key.
        return new OpenAIClient(authentication, clientOptions);
#pragma warning restore OPENAI001
    }

    private static Uri Endpoint(OpenAICompatibleOptions options, string path) => new(options.BaseUrl.ToString().TrimEnd('/') + "/" + path);
}
