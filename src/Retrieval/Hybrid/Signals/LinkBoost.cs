namespace AgentMem.Retrieval.Hybrid.Signals;

/// <summary>
/// One hop along links from the best results: each linked memory gains LinkWeight × seed score × link weight (the
/// best such contribution, not the sum, so a hub linked from many seeds does not swamp the ranking). A link's weight counts
/// as at most 1, so the boost stays below LinkWeight × its seed's score.
/// </summary>
internal sealed class LinkBoost : IScoreBoost
{
    public bool Applies(ScoringContext context) => context.Options.LinkWeight > 0;

    public void Apply(ScoringContext context)
    {
        var fused = context.Fused;
        var added = context.Rent();
        context.Components["links"] = added;
        foreach (int s in TopSlots.Best(context, context.Options.LinkSeeds))
        {
            foreach (var link in context.Cube.ItemAt(s)!.Links)
            {
                if (context.Cube.TryGetSlot(link.Target, out int t) && t != s)
                {
                    added[t] = Math.Max(added[t], (float)(context.Options.LinkWeight * fused[s] * Weight(link)));
                }
            }
        }

        TensorPrimitives.Add(fused.AsSpan(0, context.Slots), added.AsSpan(0, context.Slots), fused.AsSpan(0, context.Slots));
    }

    // Writes refuse weights outside [0, 1] (ContentRules.ValidateLinks), but a link stored before they did, or written to
    // the store directly, may hold any number: one of 1e40 put an unrelated memory first with a score of +Infinity.
    private static double Weight(MemoryLink link) => double.IsFinite(link.Weight) ? Math.Clamp(link.Weight, 0, 1) : 0;
}
