using AgentMem.Agents.Tools;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;

namespace AgentMem.Agents.SemanticKernel;

/// <summary>
/// AgentMem's memory tools (<see cref="MemoryTools"/>, and optionally <see cref="CoreBlockTools"/>) as a
/// Semantic Kernel <see cref="KernelPlugin"/>, bound to one memory, acting scope and cube. With
/// <c>FunctionChoiceBehavior.Auto()</c> the model calls them like any other kernel function. A bad call's error says how
/// to fix it; an <see cref="IChatClient"/> pipeline built with <c>UseKernelFunctionInvocation()</c> sends it to the model
/// only once <c>GetService&lt;FunctionInvokingChatClient&gt;()</c> of the built client has <c>IncludeDetailedErrors</c> set
/// (as examples/semantic-kernel does), else the model reads "Error: Function failed.".
/// </summary>
public static class AgentMemPlugin
{
    /// <summary>The default plugin name.</summary>
    public const string DefaultName = "agentmem";

    /// <summary>
    /// Creates the plugin acting as <paramref name="scope"/> on <paramref name="cube"/> (created on the
    /// first <c>memory_add</c> if it does not exist).
    /// </summary>
    /// <param name="memory">The memory the tools read and write.</param>
    /// <param name="scope">Who the tools act as.</param>
    /// <param name="cube">The cube the tools work on.</param>
    /// <param name="options">Plugin name, description, the optional core blocks and the tools' logger.</param>
    /// <returns>The plugin; add it to <c>kernel.Plugins</c> or use <see cref="AgentMemKernelExtensions"/>.</returns>
    public static KernelPlugin Create(MemoryOS memory, Scope scope, string cube, AgentMemPluginOptions? options = null)
    {
        options ??= new AgentMemPluginOptions();
        ArgumentException.ThrowIfNullOrWhiteSpace(options.PluginName, nameof(options));
        IEnumerable<AIFunction> tools = MemoryTools.Create(memory, scope, cube, options.Logger);
        if (options.CoreBlocks is not null)
        {
            tools = tools.Concat(CoreBlockTools.Create(options.CoreBlocks, scope, cube, options.Logger));
        }

        return KernelPluginFactory.CreateFromFunctions(options.PluginName, options.Description, tools.Select(t => t.AsKernelFunction()));
    }
}
