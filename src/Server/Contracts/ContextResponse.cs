namespace AgentMem.Server.Contracts;

/// <summary>Result of <c>POST /v1/context</c>: text ready for a prompt.</summary>
/// <param name="Text">Memories grouped by session, in time order.</param>
/// <param name="Tokens">Its size in tokens, as <c>tokenizer</c> counts them.</param>
/// <param name="Complete">True when the whole cube fitted.</param>
/// <param name="Ids">The memories included, in rendered order.</param>
/// <param name="CubeMemories">Live memories in the cube.</param>
/// <param name="Tokenizer">The token counter the budget was spent in, e.g. <c>o200k_base (tiktoken, Microsoft.ML.Tokenizers)</c>.</param>
public sealed record ContextResponse(string Text, int Tokens, bool Complete, IReadOnlyList<string> Ids, int CubeMemories, string Tokenizer);
