namespace AgentMem.MemoryCore.Validation;

/// <summary>
/// The JSON type of a value as a message about a mistyped field names it: <c>string</c>, <c>number</c>, <c>boolean</c>,
/// <c>object</c>, <c>array</c> or <c>null</c>, the words of the JSON specification rather than .NET's <c>True</c> and <c>False</c>.
/// </summary>
internal static class JsonTypeNames
{
    /// <summary>The type of <paramref name="value"/>.</summary>
    public static string Of(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Undefined => "nothing",
        var kind => kind.ToString().ToLowerInvariant(),
    };
}
