using Microsoft.Extensions.Logging;

namespace AgentMem.Agents.Tools;

/// <summary>
/// What every tool factory shares: checking the scope and cube its tool set is bound to, and registering a bound method as
/// an <see cref="AIFunction"/> whose JSON schema comes from the method's parameters and their descriptions.
/// </summary>
internal static class AgentTool
{
    /// <summary>The cube a tool set acts on, trimmed, after checking that it and the acting <paramref name="scope"/> are given.</summary>
    public static string BoundCube(Scope scope, string cube)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentException.ThrowIfNullOrWhiteSpace(cube);
        return cube.Trim();
    }

    /// <summary>
    /// The tool <paramref name="name"/>, which calls <paramref name="method"/> and is described to the model by <paramref name="description"/>;
    /// <paramref name="describeParameter"/> gives the description of a parameter that depends on the host (null: its <see cref="System.ComponentModel.DescriptionAttribute"/>).
    /// Its errors are those <see cref="ToolErrors"/> lets the model see; any other is logged to <paramref name="logger"/>.
    /// </summary>
    public static AIFunction Create(Delegate method, string name, string description, ILogger? logger, Func<System.Reflection.ParameterInfo, string?>? describeParameter = null) =>
        new ReportedToolErrors(
            AIFunctionFactory.Create(method, new AIFunctionFactoryOptions
            {
                Name = name,
                Description = description,
                JsonSchemaCreateOptions = describeParameter is null ? null : AIJsonSchemaCreateOptions.Default with { ParameterDescriptionProvider = describeParameter },
            }),
            logger);
}
