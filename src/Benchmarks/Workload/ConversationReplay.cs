namespace AgentMem.Benchmarks.Workload;

/// <summary>
/// An endless stream of memory drafts made of a dataset's turns: every conversation's turns in order, then again from
/// the start. Each draft keeps its turn's speaker and session date; session ids are prefixed with the conversation
/// (sessions of different conversations share ids such as <c>D1</c>) and, from the second pass on, suffixed with
/// <c>#passN</c>, so a replayed session is a new session of realistic length rather than one that keeps growing.
/// </summary>
public sealed class ConversationReplay
{
    private readonly List<(string ConversationId, BenchSession Session, BenchTurn Turn)> turns = [];
    private int position;

    /// <summary>Prepares the stream; turns without text, or shorter than <paramref name="minChars"/>, are skipped.</summary>
    /// <param name="dataset">The dataset whose turns are replayed.</param>
    /// <param name="minChars">Shortest turn replayed, in characters (0: all); a cube of long texts only replays long turns.</param>
    /// <exception cref="ArgumentException">The dataset has no turn with text of that length.</exception>
    public ConversationReplay(BenchmarkDataset dataset, int minChars = 0)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfNegative(minChars);
        foreach (var conversation in dataset.Conversations)
        {
            foreach (var session in conversation.Sessions)
            {
                foreach (var turn in session.Turns)
                {
                    if (!MemoryCore.Validation.ContentRules.IsBlank(turn.Text) && turn.Text.Length >= minChars)
                    {
                        turns.Add((conversation.Id, session, turn));
                    }
                }
            }
        }

        if (turns.Count == 0)
        {
            throw new ArgumentException(minChars > 0 ? $"The dataset '{dataset.SourcePath}' has no turn of {minChars} characters or more to replay." : $"The dataset '{dataset.SourcePath}' has no turn with text to replay.", nameof(dataset));
        }
    }

    /// <summary>Turns in one pass.</summary>
    public int TurnsPerPass => turns.Count;

    /// <summary>Drafts handed out so far.</summary>
    public long Produced { get; private set; }

    /// <summary>The next turn as a draft.</summary>
    /// <returns>A plaintext draft with actor, session, source reference and event time.</returns>
    public MemoryDraft Next()
    {
        var (conversationId, session, turn) = turns[position];
        long pass = (Produced / turns.Count) + 1;
        position = (position + 1) % turns.Count;
        Produced++;
        string suffix = pass == 1 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"#pass{pass}");
        return new MemoryDraft(turn.Text)
        {
            Actor = turn.Speaker,
            Session = $"{conversationId}/{session.Id}{suffix}",
            SourceRef = $"{conversationId}/{turn.Id}{suffix}",
            ValidFrom = session.Date,
        };
    }
}
