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
}
