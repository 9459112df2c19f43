using AgentMem.Agents.Blocks;

namespace AgentMem.Agents.SemanticKernel;

/// <summary>Options for the AgentMem Semantic Kernel plugin.</summary>
public sealed class AgentMemPluginOptions
{
    /// <summary>
    /// The plugin's name (default <see cref="AgentMemPlugin.DefaultName"/>). Semantic Kernel offers the
    /// functions to the model under the plugin's name: <c>agentmem_memory_search</c> through an
    /// <c>IChatClient</c>, <c>agentmem-memory_search</c> through Semantic Kernel's own connectors.
    /// </summary>
    public string PluginName { get; set; } = AgentMemPlugin.DefaultName;

    /// <summary>The plugin's description, shown where Semantic Kernel lists plugins.</summary>
    public string? Description { get; set; } = "Long-term memory: search, remember, correct and forget facts about the user and past conversations.";

    /// <summary>
    /// When set, the core memory block tools (<c>core_memory_append</c>, <c>core_memory_replace</c>)
    /// on these blocks are added to the plugin beside the six memory tools. The plugin does not show the blocks to the
    /// model: the app puts <see cref="Tools.CoreBlockTools.RenderAsync"/> in the system message of every request
    /// (examples/semantic-kernel does), as the replace tool needs a block's exact text.
    /// </summary>
    public CoreMemoryBlocks? CoreBlocks { get; set; }

    /// <summary>
    /// Where the memory and core block tools log what is for the operator and not for the model: the local paths of files a
    /// committed purge could not delete (the model is told their count), and in full an error inside the host, such as the
    /// store's (the model is told only which tool failed: <see cref="Tools.ToolErrors"/>). Default none: those are then
    /// recorded nowhere.
    /// </summary>
    public Microsoft.Extensions.Logging.ILogger? Logger { get; set; }
}
