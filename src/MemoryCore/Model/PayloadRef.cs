namespace AgentMem.MemoryCore.Model;

/// <summary>
/// A reference to a binary payload held outside the text store: a KV-cache cartridge for
/// <see cref="MemoryKind.Activation"/> or a weight delta for <see cref="MemoryKind.Parametric"/>.
/// </summary>
/// <param name="Uri">Where the payload lives (a file path or URI).</param>
/// <param name="MediaType">Its format, e.g. <c>application/x-agentmem-cartridge</c>.</param>
/// <param name="SizeBytes">Its length in bytes.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the payload bytes, for integrity checks.</param>
public sealed record PayloadRef(string Uri, string MediaType, long SizeBytes, string Sha256);
