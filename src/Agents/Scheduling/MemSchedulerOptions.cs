namespace AgentMem.Agents.Scheduling;

/// <summary>The per-cube policy of <see cref="MemScheduler"/>: when plaintext becomes activation or parametric memory.</summary>
public sealed class MemSchedulerOptions
{
    /// <summary>Recalls that make a memory hot, promoted to activation memory (a KV cartridge) (default 3).</summary>
    public int HotRecallCount { get; set; } = 3;

    /// <summary>Most hot memories kept in the cartridge (default 8).</summary>
    public int HotTopN { get; set; } = 8;

    /// <summary>Context positions left free after the cartridge for the prompt and the answer (default 64).</summary>
    public int ReserveTokens { get; set; } = 64;

    /// <summary>Fewest related memories (sharing a tag) that make a stable set, promoted to a parametric memory (default 3).</summary>
    public int StableMinMemories { get; set; } = 3;

    /// <summary>How long every memory of a stable set must have stayed unedited (default 7 days).</summary>
    public TimeSpan StableMinAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Tags that do not make memories related (compared ignoring case). The default holds the tags that say what kind of memory
    /// one is rather than what it is about, each carried by every memory of its kind: conversation turns (<c>turn</c>) and
    /// thoughts (<see cref="MemoryAgent.ThoughtTag"/>), which every exchange leaves, the facts extracted from exchanges
    /// (<see cref="MemoryAgent.FactTag"/>), session summaries (<see cref="Lifecycle.SessionSummaryJob.KindTag"/> and
    /// <see cref="Lifecycle.SessionSummaryJob.SummaryTag"/>) and core memory blocks (<see cref="CoreMemoryBlocks.BlockTag"/>).
    /// Counted as related, all of a user's facts a week old made one set, trained again into a new adapter whenever another
    /// fact aged in, and a fact tagged with a topic joined that set rather than its topic's. Core blocks join no set
    /// whatever this holds: each is one user's and agent's own.
    /// </summary>
    public IReadOnlyCollection<string> UnrelatedTags { get; set; } =
        ["turn", MemoryAgent.ThoughtTag, MemoryAgent.FactTag, Lifecycle.SessionSummaryJob.KindTag, Lifecycle.SessionSummaryJob.SummaryTag, CoreMemoryBlocks.BlockTag];

    /// <summary>
    /// Folder the cartridge and adapter files are written to (default <c>derived</c>): a relative one inside the memory's
    /// payload folder (<see cref="MemoryCore.MemoryOSOptions.PayloadFolder"/>), else the working directory.
    /// </summary>
    public string Folder { get; set; } = "derived";

    /// <summary>Who the derived memories are recorded as written by (default <c>mem-scheduler</c>).</summary>
    public string Actor { get; set; } = "mem-scheduler";

    /// <summary>Throws <see cref="ArgumentException"/> for settings that cannot work.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(HotRecallCount, 1, nameof(HotRecallCount));
        ArgumentOutOfRangeException.ThrowIfLessThan(HotTopN, 1, nameof(HotTopN));
        ArgumentOutOfRangeException.ThrowIfNegative(ReserveTokens, nameof(ReserveTokens));
        ArgumentOutOfRangeException.ThrowIfLessThan(StableMinMemories, 1, nameof(StableMinMemories));
        ArgumentOutOfRangeException.ThrowIfLessThan(StableMinAge, TimeSpan.Zero, nameof(StableMinAge));
        ArgumentNullException.ThrowIfNull(UnrelatedTags, nameof(UnrelatedTags));
        ArgumentException.ThrowIfNullOrWhiteSpace(Folder, nameof(Folder));
        ArgumentException.ThrowIfNullOrWhiteSpace(Actor, nameof(Actor));
    }
}
