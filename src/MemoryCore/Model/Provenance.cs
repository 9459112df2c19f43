namespace AgentMem.MemoryCore.Model;

/// <summary>Where a memory came from and when the system learned it.</summary>
/// <param name="Source">The kind of source.</param>
/// <param name="SourceRef">A reference inside the source, such as a dialogue turn id (<c>D3:7</c>) or a file path.</param>
/// <param name="Actor">Who said or wrote it (speaker, tool or agent name).</param>
/// <param name="RecordedAt">Transaction time: when the memory was written to the store.</param>
public sealed record Provenance(SourceKind Source, string? SourceRef, string? Actor, DateTimeOffset RecordedAt);
