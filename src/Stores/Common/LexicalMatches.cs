namespace AgentMem.Stores.Common;

/// <summary>Pairs the memories a lexical search read with the scores read beside them.</summary>
internal static class LexicalMatches
{
    /// <summary>One match per item, the score at the same index.</summary>
    public static List<LexicalMatch> Pair(List<MemoryItem> items, List<double> scores)
    {
        var matches = new List<LexicalMatch>(items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            matches.Add(new LexicalMatch(items[i], scores[i]));
        }

        return matches;
    }
}
