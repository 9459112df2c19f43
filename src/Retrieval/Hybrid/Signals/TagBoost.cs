namespace AgentMem.Retrieval.Hybrid.Signals;

/// <summary>The query's words mapped through the tag lexicon meet the memories' tags ("Does Nate have a puppy?" → pet).</summary>
internal sealed class TagBoost : IScoreBoost
{
    public bool Applies(ScoringContext context) => context.Options.TagWeight > 0;

    public void Apply(ScoringContext context)
    {
        var tag = context.Rent();
        context.Components["tags"] = tag;
        var queryTags = TextAnalyzer.Words(context.Request.Query).Where(w => !TextAnalyzer.IsStopWord(w))
            .SelectMany(MemoryCore.Notes.TagLexicon.Default.TagsOfWord).Distinct(StringComparer.Ordinal).ToList();
        if (queryTags.Count == 0)
        {
            return;
        }

        // Scaled by the best memory the search may return, as the relevance signals are: a deleted, archived or filtered-out
        // memory with fewer tags took the scale and shrank every live memory's boost.
        context.Cube.TagIndex.Score(queryTags, tag);
        float max = context.BestAllowed(tag);
        if (max > 0)
        {
            TensorPrimitives.MultiplyAdd(tag.AsSpan(0, context.Slots), context.Options.TagWeight / max, context.Fused.AsSpan(0, context.Slots), context.Fused.AsSpan(0, context.Slots));
        }
    }
}
