using Microsoft.Extensions.Logging;

namespace AgentMem.Agents.Tools;

/// <summary>
/// The core memory block tools (<c>core_memory_append</c>, <c>core_memory_replace</c>) as
/// <see cref="AIFunction"/>s bound to one <see cref="CoreMemoryBlocks"/>, acting scope and cube. The tools write the
/// blocks; the host shows them to the model, with <see cref="RenderAsync"/> in the system message of every request
/// (<see cref="MemoryAgent"/> does this itself).
/// </summary>
public static class CoreBlockTools
{
    /// <summary>Name of the append tool.</summary>
    public const string Append = "core_memory_append";

    /// <summary>Name of the replace tool.</summary>
    public const string Replace = "core_memory_replace";

    /// <summary>
    /// Creates the two block tools acting as <paramref name="scope"/> on <paramref name="cube"/>. Without a logger, the errors
    /// inside the host the model is told only the tool of (<see cref="ToolErrors"/>) are recorded nowhere: hosts should pass one.
    /// </summary>
    public static IReadOnlyList<AIFunction> Create(CoreMemoryBlocks blocks, Scope scope, string cube) => Create(blocks, scope, cube, logger: null);

    /// <summary>
    /// <see cref="Create(CoreMemoryBlocks, Scope, string)"/>, logging to <paramref name="logger"/> in full every error the model
    /// is told only that the tool failed of (an error inside the host, not in the call: <see cref="ToolErrors"/>).
    /// </summary>
    public static IReadOnlyList<AIFunction> Create(CoreMemoryBlocks blocks, Scope scope, string cube, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        var set = new CoreBlockToolSet(blocks, scope, AgentTool.BoundCube(scope, cube));
        string names = string.Join(", ", blocks.Names);
        return
        [
            AgentTool.Create(set.AppendAsync, Append, $"Add a line to one of your core memory blocks ({names}), which are kept across conversations. Use it for lasting facts about the user or yourself. Each block holds at most {blocks.Limit} characters.", logger),
            AgentTool.Create(set.ReplaceAsync, Replace, $"Edit one of your core memory blocks ({names}): replace text that occurs in it exactly once with new text, or with empty text to delete it; text that occurs more than once is refused, so quote enough of the line to pick one. Use it to correct facts or condense a full block.", logger),
        ];
    }

    /// <summary>
    /// The system-message section that goes with the tools: the blocks <paramref name="scope"/> has written in
    /// <paramref name="cube"/> (<see cref="CoreMemoryBlocks.Render"/>, or "(empty)"), then a line naming the tools and the
    /// blocks not written yet. <c>core_memory_replace</c> needs a block's exact text, so a host that offers the tools
    /// reads this again for every request and puts it in the system message.
    /// </summary>
    public static async Task<string> RenderAsync(CoreMemoryBlocks blocks, Scope scope, string cube, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        var written = await blocks.ListAsync(scope, AgentTool.BoundCube(scope, cube), cancellationToken).ConfigureAwait(false);
        return Render(blocks, written, hint: true);
    }

    /// <summary>The section for <paramref name="written"/>, as listed; with <paramref name="hint"/>, the line about the tools.</summary>
    internal static string Render(CoreMemoryBlocks blocks, IReadOnlyList<CoreBlock> written, bool hint)
    {
        string section = written.Count == 0 ? "# Core memory\n(empty)" : CoreMemoryBlocks.Render(written);
        if (!hint)
        {
            return section;
        }

        // Without a hint the model does not know the blocks it has never written exist.
        var unwritten = blocks.Names.Where(n => written.All(b => b.Name != n)).ToList();
        string tools = $"Keep these blocks current with {Append} and {Replace}.";
        return unwritten.Count == 0 ? $"{section}\n{tools}" : $"{section}\n{tools} Blocks not written yet: {string.Join(", ", unwritten)}.";
    }
}
