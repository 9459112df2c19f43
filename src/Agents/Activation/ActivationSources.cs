namespace AgentMem.Agents.Activation;

/// <summary>
/// The memories an activation memory encodes (or a parametric memory was trained from), as recorded in its <see cref="Provenance.SourceRef"/>:
/// <c>encodes:ID@VERSION,ID@VERSION,...</c> in rendering order. Versions make a later edit of a source detectable.
/// </summary>
public static class ActivationSources
{
    private const string Prefix = "encodes:";

    /// <summary>The source reference for <paramref name="sources"/>.</summary>
    public static string Format(IEnumerable<MemoryItem> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        return Prefix + string.Join(",", sources.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Id}@{s.Version}")));
    }

    /// <summary>Parses a source reference written by <see cref="Format"/>; empty when <paramref name="sourceRef"/> is not one.</summary>
    public static IReadOnlyList<(MemoryId Id, int Version)> Parse(string? sourceRef)
    {
        if (sourceRef is null || !sourceRef.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return [];
        }

        var result = new List<(MemoryId, int)>();
        foreach (string part in sourceRef[Prefix.Length..].Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            int at = part.LastIndexOf('@');
            if (at > 0 && MemoryId.TryParse(part[..at], out var id) && int.TryParse(part[(at + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int version))
            {
                result.Add((id, version));
            }
        }

        return result;
    }
}
