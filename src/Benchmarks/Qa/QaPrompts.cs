namespace AgentMem.Benchmarks.Qa;

/// <summary>The prompts of QA mode; their exact text is recorded in every run manifest.</summary>
public static partial class QaPrompts
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

    /// <summary>
    /// Reads the judge's verdict: 1 for CORRECT, 0 for WRONG, null for a reply that holds neither (empty, as from a
    /// reasoning model that spent its output tokens thinking; cut off at the token cap; off the prompt, as "Yes"). Word by
    /// word: WRONG or INCORRECT anywhere, or a negation just before CORRECT ("NOT CORRECT.", "isn't correct"), is 0; a bare
    /// substring test read those as correct. A reply without a verdict used to read as WRONG, so a judge that could not
    /// answer pulled the judge mean down unseen: the runner counts it instead and leaves it out of the mean.
    /// </summary>
    public static double? ParseVerdict(string reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var words = Words().Matches(reply.ToUpperInvariant()).Select(m => m.Value).ToList();
        if (words.Contains("WRONG") || words.Contains("INCORRECT"))
        {
            return 0.0;
        }

        double? verdict = null;
        for (int i = 0; i < words.Count; i++)
        {
            if (words[i] == "CORRECT")
            {
                if (words.Skip(Math.Max(0, i - 2)).Take(Math.Min(i, 2)).Any(w => w is "NOT" or "NO" or "NEVER" or "T"))
                {
                    return 0.0; // "T" is what is left of "n't"
                }

                verdict = 1.0;
            }
        }

        return verdict;
    }

    [GeneratedRegex("[A-Z]+", RegexOptions.CultureInvariant)]
    private static partial Regex Words();
}
