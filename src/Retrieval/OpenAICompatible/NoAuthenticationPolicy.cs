namespace AgentMem.Retrieval.OpenAICompatible;

/// <summary>
/// Sends requests without an Authorization header, for local servers (Ollama, vLLM, llama.cpp) that need no key: the
/// SDK's key credential refuses an empty key, and a made-up one would be sent to the server.
/// </summary>
internal sealed class NoAuthenticationPolicy : AuthenticationPolicy
{
    /// <summary>The one instance; the policy has no state.</summary>
    public static NoAuthenticationPolicy Instance { get; } = new();

    /// <inheritdoc/>
    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex) =>
        ProcessNext(message, pipeline, currentIndex);

    /// <inheritdoc/>
    public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex) =>
        ProcessNextAsync(message, pipeline, currentIndex);
}
