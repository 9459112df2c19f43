namespace AgentMem.Agents.Blocks;

/// <summary>One core memory block as it stands now: a named, size-limited text always shown to the model.</summary>
/// <param name="Name">The block's name, e.g. <c>persona</c> or <c>human</c>.</param>
/// <param name="Text">The block's current text; empty when its last edit removed everything.</param>
/// <param name="Limit">Most characters the block may hold.</param>
/// <param name="Id">The memory that stores the block (its versions are the block's history).</param>
/// <param name="Version">The memory version holding <paramref name="Text"/>.</param>
public sealed record CoreBlock(string Name, string Text, int Limit, MemoryId Id, int Version);
