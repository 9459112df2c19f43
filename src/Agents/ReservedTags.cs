using AgentMem.Agents.Activation;
using AgentMem.Agents.Lifecycle;
using AgentMem.Agents.Parametric;

namespace AgentMem.Agents;

/// <summary>
/// Tags that mark the memories the agent builds itself (core blocks, session summaries, cartridges, adapters): the agent
/// finds those memories by their tag, so a memory a model or a tool caller tags so would be taken for one (a "persona"
/// block of any size pasted into every system message, which the block tools then cannot shrink).
/// </summary>
public static class ReservedTags
{
    private static readonly string[] All = [CoreMemoryBlocks.BlockTag, SessionSummaryJob.SummaryTag, ActivationMemoryScheduler.Tag, ParametricMemories.Tag];

    /// <summary>Whether <paramref name="tag"/> is one of them, or one of them with a <c>:name</c> suffix (any case, spaces around ignored).</summary>
    public static bool IsReserved(string? tag)
    {
        string t = tag?.Trim() ?? string.Empty;
        return All.Any(r => string.Equals(t, r, StringComparison.OrdinalIgnoreCase) || t.StartsWith(r + ":", StringComparison.OrdinalIgnoreCase));
    }
}
