using AgentMem.Retrieval.Context;

namespace AgentMem.Agents;

/// <summary>The outcome of one <see cref="MemoryAgent.ChatAsync"/> turn.</summary>
/// <param name="Response">The model's response, including any tool calls and results of the turn.</param>
/// <param name="Context">The recalled context that was put in the system message.</param>
/// <param name="Turn">
/// The user message and the assistant reply as written back to memory: each a memory of its own, in the conversation's session,
/// even when the same words were said before (its source reference is <c>exchange:{id}/user</c> or <c>exchange:{id}/assistant</c>).
/// A reply over <see cref="MemoryOSOptions.MaxContentBytes"/> is stored as several memories in order, cut at paragraph or sentence
/// boundaries, each within the limit (<c>exchange:{id}/assistant#part{n}</c>), as an import splits a long turn.
/// </param>
/// <param name="Facts">
/// The facts extracted from the exchange and written back (existing ids when an extracted fact was already known); without
/// an extraction model, the user's message itself, the turn's first memory: a new memory each turn.
/// </param>
public sealed record MemoryAgentTurn(ChatResponse Response, BuiltContext Context, IReadOnlyList<AddOutcome> Turn, IReadOnlyList<AddOutcome> Facts)
{
    /// <summary>How each extracted fact was reconciled with the stored ones (empty when conflicts are not resolved).</summary>
    public IReadOnlyList<FactResolution> Resolutions { get; init; } = [];

    /// <summary>The thought memory recorded for this answer, if one was.</summary>
    public MemoryId? Thought { get; init; }

    /// <summary>The recalled memories the answer drew on (linked from the thought and reinforced).</summary>
    public IReadOnlyList<MemoryId> Evidence { get; init; } = [];

    /// <summary>
    /// The activation and parametric memories loaded into a local model for this turn (cartridges, then adapters); empty over a
    /// remote model, where everything was pasted as plaintext.
    /// </summary>
    public IReadOnlyList<MemoryId> LoadedMemories { get; init; } = [];

    /// <summary>The assistant's reply text.</summary>
    public string Text => Response.Text;
}
