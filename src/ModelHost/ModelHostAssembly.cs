namespace AgentMem.ModelHost;

/// <summary>Marker for the AgentMem.ModelHost assembly (the runtime lives in this project).</summary>
public static class ModelHostAssembly
{
    /// <summary>The assembly's version, for diagnostics.</summary>
    public static string Version => typeof(ModelHostAssembly).Assembly.GetName().Version?.ToString() ?? "0.0.0";
}
