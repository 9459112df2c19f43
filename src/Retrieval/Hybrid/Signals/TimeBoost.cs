namespace AgentMem.Retrieval.Hybrid.Signals;

/// <summary>A question about when something happened prefers memories that mention a time (× 1 + TimeWeight).</summary>
internal sealed class TimeBoost : IScoreBoost
{
    public bool Applies(ScoringContext context) => context.Options.TimeWeight > 0 && MemoryCore.Time.TemporalCues.AsksWhen(context.Request.Query);

    public void Apply(ScoringContext context)
    {
        var time = context.Rent();
        context.Components["time"] = time;
        for (int i = 0; i < context.Slots; i++)
        {
            if (context.Cube.ItemAt(i) is not null && context.Cube.MentionsTime(i))
            {
                context.Fused[i] *= 1 + context.Options.TimeWeight;
                time[i] = context.Options.TimeWeight;
            }
        }
    }
}
