using Microsoft.Extensions.AI;

namespace AgentMem.Agents.SemanticKernel.Tests;

/// <summary>A chat client test double: replies from a script, in order, and records every request it was sent.</summary>
internal sealed class ScriptedChatClient(params ChatMessage[] script) : IChatClient
{
    private readonly Queue<ChatMessage> replies = new(script);

    public List<(List<ChatMessage> Messages, ChatOptions? Options)> Requests { get; } = [];

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Requests.Add((messages.ToList(), options));
        if (!replies.TryDequeue(out var reply))
        {
            throw new InvalidOperationException("The script has no more replies.");
        }

        return Task.FromResult(new ChatResponse(reply));
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The tests use non-streaming calls.");

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    public static ChatMessage Say(string text) => new(ChatRole.Assistant, text);

    public static ChatMessage Call(string id, string tool, Dictionary<string, object?> arguments) =>
        new(ChatRole.Assistant, [new FunctionCallContent(id, tool, arguments)]);
}
