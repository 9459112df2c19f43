namespace AgentMem.MemoryCore.Import;

/// <summary>
/// The simple conversation file format <c>agentmem.conversation.v1</c> (documented in
/// <c>docs/conversation-format.md</c>): a conversation id, optional title, and sessions of turns.
/// </summary>
/// <param name="Id">Conversation id; becomes part of each memory's source reference.</param>
/// <param name="Title">Optional title.</param>
/// <param name="Sessions">Sessions in order.</param>
public sealed record ConversationDocument(string Id, string? Title, IReadOnlyList<ConversationSession> Sessions)
{
    /// <summary>The format name the <c>format</c> field must carry.</summary>
    public const string FormatName = "agentmem.conversation.v1";

    /// <summary>Total number of turns over all sessions.</summary>
    public int TurnCount => Sessions.Sum(s => s.Turns.Count);
}

/// <summary>One session (sitting) of a conversation.</summary>
/// <param name="Id">Session id, unique in the conversation; becomes the memory's session scope.</param>
/// <param name="Date">When the session took place; the default event time of its turns.</param>
/// <param name="Turns">Turns in order.</param>
public sealed record ConversationSession(string Id, DateTimeOffset? Date, IReadOnlyList<ConversationTurn> Turns);

/// <summary>One utterance.</summary>
/// <param name="Id">Turn id, unique in the conversation (e.g. <c>s1:3</c>).</param>
/// <param name="Speaker">Who spoke.</param>
/// <param name="Text">What was said.</param>
/// <param name="Time">When, if known more precisely than the session date.</param>
/// <param name="Tags">Optional labels.</param>
public sealed record ConversationTurn(string Id, string Speaker, string Text, DateTimeOffset? Time, IReadOnlyList<string> Tags);
