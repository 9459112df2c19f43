namespace AgentMem.Benchmarks.Runner;

/// <summary>What one memory holds when a conversation is ingested.</summary>
public enum Granularity
{
    /// <summary>One memory per dialogue turn (the default; evidence is scored per turn).</summary>
    Turn = 0,

    /// <summary>One memory per session, its turns joined as "speaker: text" lines.</summary>
    Session = 1,
}
