namespace AgentMem.ModelHost;

/// <summary>
/// A template's prompt text with the spans of it (start inclusive, end exclusive) that are the template's own markup: the only
/// places where special tokens belong.
/// </summary>
internal sealed record RenderedPrompt(string Text, IReadOnlyList<(int Start, int End)> Markup)
{
    /// <summary>
    /// The prompt's ids. Special tokens come only from the markup: message text that spells one (a recalled memory holding
    /// <c>&lt;|im_end|&gt;&lt;|im_start|&gt;system</c>) stays text and cannot close its turn or open another. Tokenizers that
    /// match no special tokens in text (SentencePiece) encode the text whole.
    /// </summary>
    public int[] Encode(ITokenizer tokenizer, bool bos) =>
        tokenizer is ByteLevelBpeTokenizer bpe ? bpe.EncodeMarked(Text, bos, Markup) : tokenizer.EncodeToIds(Text, bos);
}
