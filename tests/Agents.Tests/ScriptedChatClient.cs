using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace AgentMem.Agents.Tests;

/// <summary>A chat client test double: replies from a script, in order, and records every request.</summary>
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

    /// <summary>Streams the next scripted reply: its text word by word, its other contents (tool calls) in one update.</summary>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var reply = (await GetResponseAsync(messages, options, cancellationToken)).Messages[0];
        string messageId = "msg-" + Requests.Count;
        var others = reply.Contents.Where(c => c is not TextContent).ToList();
        if (others.Count > 0)
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, others) { MessageId = messageId };
        }

        foreach (string piece in Regex.Split(reply.Text, @"(?<= )"))
        {
            // Lets a test cancel between pieces, as a network stream would.
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            if (piece.Length > 0)
            {
                StreamedPieces++;
                yield return new ChatResponseUpdate(ChatRole.Assistant, piece) { MessageId = messageId };
            }
        }
    }

    /// <summary>Text pieces streamed so far.</summary>
    public int StreamedPieces { get; private set; }

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    public static ChatMessage Say(string text) => new(ChatRole.Assistant, text);

    public static ChatMessage Call(string tool, Dictionary<string, object?> arguments) => Call("call-" + tool, tool, arguments);

    public static ChatMessage Call(string id, string tool, Dictionary<string, object?> arguments) =>
        new(ChatRole.Assistant, [new FunctionCallContent(id, tool, arguments)]);
}
