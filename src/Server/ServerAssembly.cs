namespace AgentMem.Server;

/// <summary>Marker for the AgentMem.Server assembly (the REST service lives in this project).</summary>
public static class ServerAssembly
{
    /// <summary>The assembly's version, for diagnostics.</summary>
    public static string Version => typeof(ServerAssembly).Assembly.GetName().Version?.ToString() ?? "0.0.0";
}
