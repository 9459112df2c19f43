namespace AgentMem.Agents.Tools;

/// <summary>
/// The core memory block tools (<c>core_memory_append</c>, <c>core_memory_replace</c>) as
/// <see cref="AIFunction"/>s bound to one <see cref="CoreMemoryBlocks"/>, acting scope and cube.
/// </summary>
public static class CoreBlockTools
{
    /// <summary>Name of the append tool.</summary>
    public const string Append = "core_memory_append";

    /// <summary>Name of the replace tool.</summary>
    public const string Replace = "core_memory_replace";

    /// <summary>Creates the two block tools acting as <paramref name="scope"/> on <paramref name="cube"/>.</summary>
    public static IReadOnlyList<AIFunction> Create(CoreMemoryBlocks blocks, Scope scope, string cube)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        var set = new CoreBlockToolSet(blocks, scope, AgentTool.BoundCube(scope, cube));
        string names = string.Join(", ", blocks.Names);
        return
        [
            AgentTool.Create(set.AppendAsync, Append, $"Add a line to one of your core memory blocks ({names}), which are always in your context. Use it for lasting facts about the user or yourself. Each block holds at most {blocks.Limit} characters."),
            AgentTool.Create(set.ReplaceAsync, Replace, $"Edit one of your core memory blocks ({names}): replace text that occurs in it exactly with new text, or with empty text to delete it. Use it to correct facts or condense a full block."),
        ];
    }
}
