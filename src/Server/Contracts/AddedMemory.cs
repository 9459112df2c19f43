namespace AgentMem.Server.Contracts;

/// <summary>The outcome of adding one memory.</summary>
/// <param name="Id">The memory id (the existing one when the content was de-duplicated).</param>
/// <param name="Created">False when identical content of the same user, agent and speaker already existed in the cube.</param>
public sealed record AddedMemory(string Id, bool Created);
