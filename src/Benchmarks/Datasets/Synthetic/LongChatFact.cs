namespace AgentMem.Benchmarks.Datasets.Synthetic;

/// <summary>A fact of a conversation's world: an entity's value for one attribute.</summary>
/// <param name="Entity">What the fact is about.</param>
/// <param name="Attribute">Which property.</param>
/// <param name="Value">The value.</param>
internal sealed record LongChatFact(LongChatEntity Entity, LongChatAttribute Attribute, string Value);
