namespace AgentMem.Retrieval.Hybrid.Signals;

/// <summary>
/// BM25 of each memory alone; a long memory scores as its best passage when that beats its whole text (a fact in one
/// paragraph of a long answer is not buried by the rest), and the passage is remembered for the hit.
/// </summary>
internal sealed class ItemSignal : IRelevanceSignal
{
    public string Name => "bm25_item";

    public float Weight(HybridOptions options) => options.ItemWeight;

    public SignalRange Score(ScoringContext context, float[] scores)
    {
        var cube = context.Cube;
        float max = cube.ItemIndex.Score(context.Terms, scores);
        if (cube.Passages.Count > 0)
        {
            max = Math.Max(max, cube.Passages.RaiseToBestPassage(context.Terms, cube.ItemIndex, scores, context.StartPassages()));
        }

        return SignalRange.UpTo(max);
    }
}

/// <summary>BM25 of each memory with its session neighbours: a turn answered in the next one still matches.</summary>
internal sealed class WindowSignal : IRelevanceSignal
{
    public string Name => "bm25_window";

    public float Weight(HybridOptions options) => options.WindowWeight;

    public SignalRange Score(ScoringContext context, float[] scores) => SignalRange.UpTo(context.Cube.ScoreWindows(context.Terms, scores));
}

/// <summary>BM25 of each memory's whole session, given to every member of it.</summary>
internal sealed class SessionSignal : IRelevanceSignal
{
    public string Name => "bm25_session";

    public float Weight(HybridOptions options) => options.SessionWeight;

    public SignalRange Score(ScoringContext context, float[] scores)
    {
        var cube = context.Cube;
        var sessionScores = new float[Math.Max(1, cube.SessionCapacity)];
        float max = cube.ScoreSessions(context.Terms, sessionScores);
        if (max <= 0)
        {
            return SignalRange.None;
        }

        for (int s = 0; s < context.Slots; s++)
        {
            int session = cube.SessionOf(s);
            if (session >= 0)
            {
                scores[s] = sessionScores[session];
            }
        }

        return SignalRange.UpTo(max);
    }
}
