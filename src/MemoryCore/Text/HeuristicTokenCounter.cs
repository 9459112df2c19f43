namespace AgentMem.MemoryCore.Text;

/// <summary>
/// A documented estimate for when no tokenizer is configured: each run of letters or digits costs
/// ceil(length / 4) tokens (BPE vocabularies split long words into ~4-character pieces), each other
/// non-space character costs one, whitespace costs nothing. On English prose this lands within about
/// 15% of GPT-style BPE counts; it is deterministic and allocation-free.
/// </summary>
public sealed class HeuristicTokenCounter : ITokenCounter
{
    /// <summary>A shared instance.</summary>
    public static HeuristicTokenCounter Instance { get; } = new();

    /// <inheritdoc/>
    public string Name => "heuristic-v1 (ceil(word/4) + punctuation)";

    /// <inheritdoc/>
    public bool IsExact => false;

    /// <inheritdoc/>
    public int CountTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int tokens = 0;
        int run = 0;
        foreach (char c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                run++;
                continue;
            }

            tokens += (run + 3) / 4;
            run = 0;
            if (!char.IsWhiteSpace(c))
            {
                tokens++;
            }
        }

        return tokens + ((run + 3) / 4);
    }
}
