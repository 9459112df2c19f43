using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using Microsoft.SemanticKernel;

namespace AgentMem.Agents.SemanticKernel;

/// <summary>One-call setup of AgentMem in a Semantic Kernel app.</summary>
public static class AgentMemKernelExtensions
{
    /// <summary>
    /// Adds AgentMem's memory tools, acting as <paramref name="scope"/> on <paramref name="cube"/>, to a
    /// kernel's plugins: <c>kernel.Plugins.AddAgentMem(memory, scope, "ann")</c>.
    /// </summary>
    /// <param name="plugins">The plugin collection, typically <see cref="Kernel.Plugins"/>.</param>
    /// <param name="memory">The memory the tools read and write.</param>
    /// <param name="scope">Who the tools act as.</param>
    /// <param name="cube">The cube the tools work on.</param>
    /// <param name="options">Plugin name, description and the optional core blocks.</param>
    /// <returns>The plugin that was added.</returns>
    public static KernelPlugin AddAgentMem(this ICollection<KernelPlugin> plugins, MemoryOS memory, Scope scope, string cube, AgentMemPluginOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(plugins);
        var plugin = AgentMemPlugin.Create(memory, scope, cube, options);
        plugins.Add(plugin);
        return plugin;
    }

    /// <summary>
    /// Adds AgentMem's memory tools, acting as <paramref name="scope"/> on <paramref name="cube"/>, to the
    /// plugins of a kernel being built: <c>builder.Plugins.AddAgentMem(memory, scope, "ann")</c>.
    /// </summary>
    /// <param name="plugins">The builder's plugins, <see cref="IKernelBuilder.Plugins"/>.</param>
    /// <param name="memory">The memory the tools read and write.</param>
    /// <param name="scope">Who the tools act as.</param>
    /// <param name="cube">The cube the tools work on.</param>
    /// <param name="options">Plugin name, description and the optional core blocks.</param>
    /// <returns><paramref name="plugins"/>, for chaining.</returns>
    public static IKernelBuilderPlugins AddAgentMem(this IKernelBuilderPlugins plugins, MemoryOS memory, Scope scope, string cube, AgentMemPluginOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(plugins);
        var plugin = AgentMemPlugin.Create(memory, scope, cube, options);
        plugins.Add(plugin);
        return plugins;
    }
}
