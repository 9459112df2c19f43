namespace AgentMem.Benchmarks.Datasets.Synthetic;

/// <summary>How one conversation's planted facts split over the question categories.</summary>
/// <param name="AssistantFacts">Single facts inside assistant answers (category <c>assistant-fact</c>).</param>
/// <param name="UserFacts">Single facts inside long user messages (category <c>user-fact</c>).</param>
/// <param name="UpdatedFacts">Facts stated and later changed (category <c>updated-fact</c>); each is stated twice.</param>
/// <param name="TwoFactQuestions">Questions that join two facts of one entity (category <c>two-facts</c>); each uses two facts.</param>
internal sealed record LongChatFactPlan(int AssistantFacts, int UserFacts, int UpdatedFacts, int TwoFactQuestions)
{
    /// <summary>Assistant messages needed: updated facts and both halves of two-fact questions live in assistant answers.</summary>
    public int AssistantHosted => AssistantFacts + (2 * UpdatedFacts) + (2 * TwoFactQuestions);

    /// <summary>Questions this plan yields (the giant-message question comes on top).</summary>
    public int Questions => AssistantFacts + UserFacts + UpdatedFacts + TwoFactQuestions;

    /// <summary>The split for <paramref name="facts"/> facts: a tenth updated, a tenth in pairs, a fifth from the user, the rest from the assistant.</summary>
    /// <param name="facts">Facts per conversation (at least 1).</param>
    /// <returns>The split; its facts add up to <paramref name="facts"/>.</returns>
    public static LongChatFactPlan For(int facts)
    {
        int updated = facts / 10;
        int pairs = facts / 10;
        int user = facts / 5;
        return new LongChatFactPlan(facts - updated - (2 * pairs) - user, user, updated, pairs);
    }
}
