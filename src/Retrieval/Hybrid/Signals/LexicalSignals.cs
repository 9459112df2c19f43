namespace AgentMem.Retrieval.Hybrid.Signals;

/// <summary>
/// BM25 of each memory alone. In a cube with long memories the corpus is their passages plus the short memories, and a
/// long memory scores as its best passage (a fact in one paragraph of a long answer is not buried by the rest), which
/// is remembered for the hit. A query of function words only, which no term of the index matches, is scored by the
/// store's full-text matches of its words (<see cref="ScoringContext.PlainWordMatches"/>).
/// </summary>
internal sealed class ItemSignal : IRelevanceSignal
{
    public string Name => "bm25_item";

    public float Weight(ScoringContext context) => context.Options.ItemWeight;

    public SignalRange Score(ScoringContext context, float[] scores)
    {
        var cube = context.Cube;
        if (context.PlainWordMatches is { } matches)
        {
            // Function words only: the store's full-text index found them. A match not yet in this index (written after the
            // look-up) waits for the next search; one scored 0 by the store still contains the words, so it counts.
            foreach (var match in matches)
            {
                if (cube.TryGetSlot(match.Item.Id, out int slot))
                {
                    scores[slot] = MathF.Max((float)match.Score, float.Epsilon);
                }
            }
        }
        else if (cube.Passages.Count == 0)
        {
            cube.ItemIndex.Score(context.Terms, scores);
        }
        else
        {
            var corpus = cube.Passages.Statistics(cube.ItemIndex);
            cube.ItemIndex.Score(context.Terms, scores, corpus);
            cube.Passages.ScoreBestPassages(context.Terms, corpus, scores, context.StartPassages());
        }

        // Scaled by the best memory the search may return: one the filter leaves out took the scale and shrank this
        // signal against the vector's (which is ranged over the same memories).
        return SignalRange.UpTo(context.BestAllowed(scores));
    }
}

/// <summary>
/// BM25 of each memory with its session neighbours: a turn answered in the next one still matches. Weighed down in a
/// cube of long texts (<see cref="ScoringContext.NeighbourScale"/>).
/// </summary>
internal sealed class WindowSignal : IRelevanceSignal
{
    public string Name => "bm25_window";

    public float Weight(ScoringContext context) => context.Options.WindowWeight * context.NeighbourScale;

    public SignalRange Score(ScoringContext context, float[] scores)
    {
        context.Cube.ScoreWindows(context.Terms, scores);
        return SignalRange.UpTo(context.BestAllowed(scores)); // over the memories the search may return, as the item signal
    }
}

/// <summary>BM25 of each memory's whole session, given to every member of it; weighed down in a cube of long texts like the window.</summary>
internal sealed class SessionSignal : IRelevanceSignal
{
    public string Name => "bm25_session";

    public float Weight(ScoringContext context) => context.Options.SessionWeight * context.NeighbourScale;

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

        return SignalRange.UpTo(context.BestAllowed(scores)); // over the memories the search may return, as the item signal
    }
}
