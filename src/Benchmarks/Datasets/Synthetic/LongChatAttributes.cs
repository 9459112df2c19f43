namespace AgentMem.Benchmarks.Datasets.Synthetic;

/// <summary>
/// The catalogue of fact kinds, read from the embedded <c>LongChatAttributes.json</c>: a table of values and
/// phrasings is data, kept as data rather than as 28 constructor calls of the same shape. Statements and
/// questions were written so that a question shares the entity with its statement but usually not the
/// attribute's wording, as a user's question recalls a decision in their own words.
/// </summary>
internal static class LongChatAttributes
{
    private const string Resource = "AgentMem.Benchmarks.LongChatAttributes.json";

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        // A missing member is a broken table, not a default: every attribute states all eight.
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
    };

    /// <summary>Every attribute kind, in a fixed order (the generator's draws depend on it).</summary>
    public static IReadOnlyList<LongChatAttribute> All { get; } = Load();

    private static List<LongChatAttribute> Load()
    {
        using var stream = typeof(LongChatAttributes).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"The embedded resource '{Resource}' is missing from the build.");
        return JsonSerializer.Deserialize<List<LongChatAttribute>>(stream, Options)
            ?? throw new InvalidOperationException($"The embedded resource '{Resource}' holds no attributes.");
    }
}
