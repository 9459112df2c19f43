namespace AgentMem.Common.Traces;

/// <summary>One file that still holds a token, and how it was encoded there.</summary>
/// <param name="Path">The file.</param>
/// <param name="Encoding">utf-8, utf-16le or utf-16be (with ", tail" when only a long token's lower-cased second half was found).</param>
public sealed record TraceHit(string Path, string Encoding);
