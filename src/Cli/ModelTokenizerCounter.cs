namespace AgentMem.Cli;

/// <summary>
/// Token counts from the model host's tokenizer (a byte-level BPE <c>tokenizer.json</c>: GPT-2, Qwen2, SmolLM): the retrieval
/// layer cannot reference the model host, so the CLI, which composes both, hands this to <c>TokenCounters.Create</c>.
/// </summary>
internal sealed class ModelTokenizerCounter(ITokenizer tokenizer, string name) : ITokenCounter
{
    /// <summary>Reads the byte-level BPE <c>tokenizer.json</c> at <paramref name="path"/>.</summary>
    public static ModelTokenizerCounter ByteLevelBpe(string path) => new(ByteLevelBpeTokenizer.Load(path), $"byte-level BPE ({Path.GetFullPath(path)})");

    public string Name { get; } = name;

    public bool IsExact => true;

    // Without BOS: a prompt's own tokens, as the tiktoken and WordPiece counters count them.
    public int CountTokens(string text) => tokenizer.CountTokens(text);
}
