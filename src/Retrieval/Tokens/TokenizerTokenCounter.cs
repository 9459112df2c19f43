namespace AgentMem.Retrieval.Tokens;

/// <summary>
/// Exact token counts from a Microsoft.ML.Tokenizers <see cref="Tokenizer"/>: tiktoken's o200k_base or cl100k_base, a
/// WordPiece <c>vocab.txt</c>, or any other tokenizer the library builds. Thread-safe: the library's tokenizers are.
/// </summary>
public sealed class TokenizerTokenCounter : ITokenCounter
{
    private readonly Tokenizer tokenizer;

    /// <summary>Counts with <paramref name="tokenizer"/>, reported in manifests as <paramref name="name"/>.</summary>
    public TokenizerTokenCounter(Tokenizer tokenizer, string name)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        this.tokenizer = tokenizer;
        Name = name;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public bool IsExact => true;

    /// <summary>The library tokenizer that counts.</summary>
    public Tokenizer Tokenizer => tokenizer;

    /// <inheritdoc/>
    public int CountTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);

        // The text's own tokens: a BERT tokenizer would otherwise add [CLS] and [SEP], which are no part of a prompt.
        return tokenizer is BertTokenizer bert ? bert.EncodeToIds(text, addSpecialTokens: false).Count : tokenizer.CountTokens(text);
    }
}
