namespace AgentMem.Benchmarks.Datasets.Synthetic;

/// <summary>Settings of <see cref="LongChatGenerator"/>; the defaults produce the reference "longchat" set.</summary>
public sealed class LongChatOptions
{
    /// <summary>Largest <see cref="FactsPerConversation"/>: a conversation's world holds about a hundred facts, and half must stay unasked to serve as distractors.</summary>
    public const int MaxFactsPerConversation = 50;

    /// <summary>Seed of the single <see cref="Random"/> that drives every choice.</summary>
    public int Seed { get; set; } = 7;

    /// <summary>Number of conversations (one software project each).</summary>
    public int Conversations { get; set; } = 8;

    /// <summary>Dated sessions per conversation; at least 2, so a fact can change in a later session.</summary>
    public int SessionsPerConversation { get; set; } = 16;

    /// <summary>Turns per session, alternating user and assistant, user first; at least 2.</summary>
    public int TurnsPerSession { get; set; } = 8;

    /// <summary>Planted facts per conversation that questions are asked about (1 to <see cref="MaxFactsPerConversation"/>).</summary>
    public int FactsPerConversation { get; set; } = 30;

    /// <summary>Whether the first conversation carries one pasted log of about 350,000 bytes with a fact line in its middle, and a question about it.</summary>
    public bool IncludeGiantMessage { get; set; } = true;

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range, or the conversations have too few turns to host the facts.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Conversations, 1, nameof(Conversations));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Conversations, 1000, nameof(Conversations));
        ArgumentOutOfRangeException.ThrowIfLessThan(SessionsPerConversation, 2, nameof(SessionsPerConversation));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(SessionsPerConversation, 500, nameof(SessionsPerConversation));
        ArgumentOutOfRangeException.ThrowIfLessThan(TurnsPerSession, 2, nameof(TurnsPerSession));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(TurnsPerSession, 200, nameof(TurnsPerSession));
        ArgumentOutOfRangeException.ThrowIfLessThan(FactsPerConversation, 1, nameof(FactsPerConversation));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(FactsPerConversation, MaxFactsPerConversation, nameof(FactsPerConversation));

        // Each message hosts at most one planted fact, so the evidence of a question is exactly one paragraph.
        LongChatFactPlan plan = LongChatFactPlan.For(FactsPerConversation);
        int assistantTurns = SessionsPerConversation * (TurnsPerSession / 2);
        int userTurns = SessionsPerConversation * ((TurnsPerSession + 1) / 2);
        int userHostsAvailable = userTurns - (IncludeGiantMessage ? 1 : 0);
        if (plan.AssistantHosted > assistantTurns || plan.UserFacts > userHostsAvailable)
        {
            throw new ArgumentOutOfRangeException(
                nameof(FactsPerConversation),
                FactsPerConversation,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{FactsPerConversation} facts need {plan.AssistantHosted} assistant and {plan.UserFacts} user messages per conversation; {SessionsPerConversation} sessions of {TurnsPerSession} turns have {assistantTurns} and {userHostsAvailable}."));
        }
    }
}
