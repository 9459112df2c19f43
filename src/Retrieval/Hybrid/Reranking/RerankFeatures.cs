using AgentMem.Retrieval.Hybrid.Signals;

namespace AgentMem.Retrieval.Hybrid.Reranking;

/// <summary>Computes <see cref="RerankFeatureNames.All"/> for each candidate, row-major [candidate × feature].</summary>
internal static class RerankFeatures
{
    public static float[] Compute(ScoringContext context, LearnedRerank.Inputs inputs, List<int> candidates)
    {
        var cube = context.Cube;
        int slots = context.Slots, width = RerankFeatureNames.All.Length;
        var occupied = new List<int>(cube.Count);
        for (int i = 0; i < slots; i++)
        {
            if (cube.ItemAt(i) is not null)
            {
                occupied.Add(i);
            }
        }

        // In creation order, so the ranks below break ties by it and not by slot (a purged memory's slot is reused).
        occupied.Sort((a, b) => cube.ItemAt(a)!.Id.CompareTo(cube.ItemAt(b)!.Id));

        var fused = context.Fused;
        var (vectorMean, vectorStd) = MeanAndDeviation(inputs.Vector, occupied);
        var (topicMean, topicStd) = MeanAndDeviation(inputs.Topic, occupied);
        float[]? sessionBest = inputs.Vector is null ? null : SessionBest(cube, inputs.Vector, occupied);
        int[] itemRank = Ranks(inputs.Item, occupied, slots);
        int[] windowRank = Ranks(inputs.Window, occupied, slots);
        int[] vectorRank = Ranks(inputs.Vector, occupied, slots);
        int[] hybridRank = Ranks(fused, occupied, slots);
        int[] topicRank = Ranks(inputs.Topic, occupied, slots);
        // The actor boost's flags where it ran; else the feature's own, from the actors the query names: the boost runs
        // only while ActorWeight > 0, and a model fitted on this feature saw 0 for every memory with it off.
        context.Components.TryGetValue("actor", out var actor);
        bool[]? namedNumbers = actor is null && context.NamedActors is { Count: > 0 } named ? MemoryBoosts.NamedNumbers(cube, named) : null;
        var queryTerms = context.Terms.ToHashSet(StringComparer.Ordinal);

        var rows = new float[candidates.Count * width];
        for (int c = 0; c < candidates.Count; c++)
        {
            int i = candidates[c];
            var row = rows.AsSpan(c * width, width);
            float vector = inputs.Vector is { } v ? inputs.VectorRange.Scale(v[i]) : 0;
            float topic = inputs.Topic is { } t ? inputs.TopicRange.Scale(t[i]) : vector;
            float window = inputs.WindowRange.Scale(inputs.Window[i]);
            float isActor = (actor is not null ? actor[i] > 0 : namedNumbers is not null && MemoryBoosts.IsNamed(cube, i, namedNumbers)) ? 1 : 0;
            int f = 0;
            row[f++] = fused[i];
            row[f++] = inputs.ItemRange.Scale(inputs.Item[i]);
            row[f++] = window;
            row[f++] = inputs.SessionRange.Scale(inputs.Session[i]);
            row[f++] = vector;
            row[f++] = Standard(inputs.Vector, i, vectorMean, vectorStd);
            row[f++] = isActor;
            row[f++] = Coverage(cube, i, queryTerms);
            row[f++] = inputs.Vector is { } nv ? Standard(MathF.Max(Neighbour(cube, nv, i, -1), Neighbour(cube, nv, i, 1)), vectorMean, vectorStd) : 0;
            row[f++] = sessionBest is not null && cube.SessionOf(i) is int s && s >= 0 ? Standard(sessionBest[s], vectorMean, vectorStd) : Standard(inputs.Vector, i, vectorMean, vectorStd);
            row[f++] = MathF.Log(1 + itemRank[i]);
            row[f++] = MathF.Log(1 + windowRank[i]);
            row[f++] = MathF.Log(1 + vectorRank[i]);
            row[f++] = MathF.Log(1 + hybridRank[i]);
            row[f++] = MathF.Log(1 + cube.ItemIndex.DocumentLength(i));
            row[f++] = cube.MentionsTime(i) ? 1 : 0;
            row[f++] = inputs.NamedActors;
            row[f++] = topic;
            row[f++] = inputs.Topic is not null ? Standard(inputs.Topic, i, topicMean, topicStd) : Standard(inputs.Vector, i, vectorMean, vectorStd);
            row[f++] = MathF.Log(1 + (inputs.Topic is not null ? topicRank[i] : vectorRank[i]));
            row[f++] = isActor * topic;
            row[f++] = isActor * vector;
            row[f++] = isActor * window;
        }

        return rows;
    }

    /// <summary>
    /// Each occupied slot's 0-based rank by <paramref name="scores"/>, best first, ties in the order of
    /// <paramref name="occupied"/> (all 0 without scores).
    /// </summary>
    internal static int[] Ranks(float[]? scores, List<int> occupied, int slots)
    {
        var rank = new int[Math.Max(1, slots)];
        if (scores is null)
        {
            return rank;
        }

        var position = new int[Math.Max(1, slots)];
        for (int p = 0; p < occupied.Count; p++)
        {
            position[occupied[p]] = p;
        }

        var order = occupied.ToArray();
        Array.Sort(order, (a, b) => scores[a] != scores[b] ? scores[b].CompareTo(scores[a]) : position[a].CompareTo(position[b]));
        for (int r = 0; r < order.Length; r++)
        {
            rank[order[r]] = r;
        }

        return rank;
    }

    private static (float Mean, float Deviation) MeanAndDeviation(float[]? scores, List<int> occupied)
    {
        if (scores is null || occupied.Count == 0)
        {
            return (0, 1);
        }

        double sum = 0, squares = 0;
        foreach (int i in occupied)
        {
            sum += scores[i];
            squares += (double)scores[i] * scores[i];
        }

        double mean = sum / occupied.Count;
        double variance = Math.Max(0, (squares / occupied.Count) - (mean * mean));
        return ((float)mean, (float)Math.Sqrt(variance) + 1e-6f);
    }

    private static float Standard(float[]? scores, int slot, float mean, float deviation) => scores is null ? 0 : Standard(scores[slot], mean, deviation);

    private static float Standard(float value, float mean, float deviation) => (value - mean) / deviation;

    /// <summary>The similarity of the memory next to <paramref name="slot"/> in its session, or its own when there is none.</summary>
    private static float Neighbour(CubeIndex cube, float[] vector, int slot, int offset) =>
        cube.SessionNeighbour(slot, offset) is int n && n >= 0 ? vector[n] : vector[slot];

    private static float[] SessionBest(CubeIndex cube, float[] vector, List<int> occupied)
    {
        var best = new float[Math.Max(1, cube.SessionCapacity)];
        Array.Fill(best, float.NegativeInfinity);
        foreach (int i in occupied)
        {
            if (cube.SessionOf(i) is int s && s >= 0)
            {
                best[s] = MathF.Max(best[s], vector[i]);
            }
        }

        return best;
    }

    private static float Coverage(CubeIndex cube, int slot, HashSet<string> queryTerms)
    {
        if (queryTerms.Count == 0)
        {
            return 0;
        }

        int held = 0;
        foreach (var (term, _) in cube.ItemIndex.DocumentTerms(slot))
        {
            if (queryTerms.Contains(term))
            {
                held++;
            }
        }

        return held / (float)queryTerms.Count;
    }
}
