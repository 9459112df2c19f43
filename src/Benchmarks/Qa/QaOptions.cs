using Microsoft.Extensions.AI;

namespace AgentMem.Benchmarks.Qa;

/// <summary>
/// Question answering during a run: a reader model answers from retrieved memories (and, as a
/// baseline, from the whole conversation) and an optional judge model grades the answers.
/// </summary>
public sealed class QaOptions
{
    /// <summary>The model that answers questions.</summary>
    public required IChatClient Reader { get; init; }

    /// <summary>The reader's model name, recorded in the manifest.</summary>
    public required string ReaderModel { get; init; }

    /// <summary>The model that grades answers; null skips the judge score.</summary>
    public IChatClient? Judge { get; init; }

    /// <summary>The judge's model name, recorded in the manifest.</summary>
    public string? JudgeModel { get; init; }

    /// <summary>Also answer with the whole conversation as context (the full-context baseline). Default true.</summary>
    public bool FullContextBaseline { get; init; } = true;

    /// <summary>Longest answer requested from the reader, in tokens (default 64).</summary>
    public int MaxAnswerTokens { get; init; } = 64;

    /// <summary>
    /// Longest reply requested from the judge, in tokens (default 8: its prompt asks for one word, CORRECT or WRONG, and
    /// a judge that follows it stops there). A reasoning model spends its output tokens thinking before it answers and
    /// needs far more; a reply cut off before its verdict is counted as without one (<see cref="Metrics.QaSummary.JudgeUnparsed"/>).
    /// Recorded in the manifest as <c>judge_max_output_tokens</c>.
    /// </summary>
    public int MaxJudgeTokens { get; init; } = DefaultMaxJudgeTokens;

    /// <summary>Default <see cref="MaxJudgeTokens"/>.</summary>
    public const int DefaultMaxJudgeTokens = 8;
}
