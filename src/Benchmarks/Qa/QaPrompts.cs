namespace AgentMem.Benchmarks.Qa;

/// <summary>The prompts of QA mode; their exact text is recorded in every run manifest.</summary>
public static class QaPrompts
{
    /// <summary>System prompt of the reader.</summary>
    public const string ReaderSystem =
        "You answer questions about a long-running conversation between people, using only the conversation memories provided. " +
        "Answer with a short phrase (a few words), not a sentence. Use the dates of the memories to resolve relative times " +
        "such as 'last week'. If the memories do not contain the answer, reply exactly: Not mentioned.";

    /// <summary>System prompt of the judge.</summary>
    public const string JudgeSystem =
        "You grade answers to questions about a conversation. You are given the question, the gold answer and a generated answer. " +
        "The generated answer is CORRECT if it carries the same meaning as the gold answer, even if worded differently or less " +
        "detailed, and dates count as equal when they name the same day, month or year as the gold answer asks. Otherwise it is WRONG. " +
        "Reply with exactly one word: CORRECT or WRONG.";

    /// <summary>The reader's user message.</summary>
    public static string ReaderUser(string context, string question, DateTimeOffset? questionDate)
    {
        var sb = new StringBuilder("Memories:\n").Append(context).Append("\n\n");
        if (questionDate is { } date)
        {
            sb.Append(CultureInfo.InvariantCulture, $"Today is {date:yyyy-MM-dd}.\n");
        }

        return sb.Append("Question: ").Append(question).Append("\nAnswer:").ToString();
    }

    /// <summary>The judge's user message.</summary>
    public static string JudgeUser(string question, string gold, string generated) =>
        $"Question: {question}\nGold answer: {gold}\nGenerated answer: {generated}\nGrade:";

    /// <summary>Reads the judge's verdict: 1 for CORRECT, 0 otherwise.</summary>
    public static double ParseVerdict(string reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        string upper = reply.ToUpperInvariant();
        return upper.Contains("CORRECT", StringComparison.Ordinal) && !upper.Contains("WRONG", StringComparison.Ordinal) && !upper.Contains("INCORRECT", StringComparison.Ordinal) ? 1.0 : 0.0;
    }
}
