namespace AgentMem.Agents;

/// <summary>Marker for the AgentMem.Agents assembly (tools and the MemoryAgent SDK live in this project).</summary>
public static class AgentsAssembly
{
    /// <summary>The assembly's version, for diagnostics.</summary>
    public static string Version => typeof(AgentsAssembly).Assembly.GetName().Version?.ToString() ?? "0.0.0";
}
