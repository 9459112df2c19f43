namespace AgentMem.Retrieval.Embeddings.Tokenization;

/// <summary>A word found by a pre-tokenizer: its start and length (UTF-16 units) in the normalised text.</summary>
/// <param name="Index">Start offset in the normalised text.</param>
/// <param name="Length">Length in UTF-16 code units.</param>
public readonly record struct PreToken(int Index, int Length);
