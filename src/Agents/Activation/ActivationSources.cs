using System.Security.Cryptography;
using System.Text;
using AgentMem.MemoryCore.Links;
using AgentMem.MemoryCore.Validation;

namespace AgentMem.Agents.Activation;

/// <summary>
/// The memories an activation memory encodes (or a parametric memory was trained from), as recorded in its <see cref="Provenance.SourceRef"/>:
/// <c>encodes:ID@VERSION,ID@VERSION,...</c> in rendering order. Versions make a later edit of a source detectable.
/// </summary>
/// <remarks>
/// A source reference holds at most <see cref="ContentRules.MaxReferenceBytes"/> (about 35 sources). A longer list is
/// recorded as its digest, <c>encodes-sha256:COUNT:HEX</c> over the entries in id order, and the list itself lives in the
/// memory's <see cref="LinkTypes.Encodes"/> links, each link's reason holding its source's version (<see cref="LinkReason"/>):
/// the digest still compares equal exactly when the sources and versions are the same, and <see cref="Of"/> reads the links
/// back, checked against it. Refusing the add instead threw away a trained adapter for every cube of 36 memories or more.
/// Unlike the list, the digest does not record the order: a selection of the same sources in another order compares equal.
/// </remarks>
public static class ActivationSources
{
    private const string Prefix = "encodes:";
    private const string DigestPrefix = "encodes-sha256:";
    private const string VersionReason = "version ";

    /// <summary>The source reference for <paramref name="sources"/>: the list while it fits, else its digest.</summary>
    public static string Format(IEnumerable<MemoryItem> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        return Format(sources.Select(s => (s.Id, s.Version)).ToList());
    }

    /// <summary>The reason recorded on the <see cref="LinkTypes.Encodes"/> link to a source: the version encoded.</summary>
    public static string LinkReason(MemoryItem source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return VersionReason + source.Version.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The sources <paramref name="derived"/> encodes, with their versions: from its source reference, or, when that is a
    /// digest, from its <see cref="LinkTypes.Encodes"/> links (empty when they no longer match the digest).
    /// </summary>
    public static IReadOnlyList<(MemoryId Id, int Version)> Of(MemoryItem derived)
    {
        ArgumentNullException.ThrowIfNull(derived);
        string? sourceRef = derived.Provenance.SourceRef;
        if (sourceRef is null || !sourceRef.StartsWith(DigestPrefix, StringComparison.Ordinal))
        {
            return Parse(sourceRef);
        }

        var linked = new List<(MemoryId, int)>();
        foreach (var link in derived.Links.Where(l => l.Type == LinkTypes.Encodes))
        {
            if (link.Reason is not { } reason || !reason.StartsWith(VersionReason, StringComparison.Ordinal)
                || !int.TryParse(reason.AsSpan(VersionReason.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int version))
            {
                return [];
            }

            linked.Add((link.Target, version));
        }

        return Digest(linked) == sourceRef ? [.. linked.Distinct()] : []; // each once, whether the store kept one link per target or not
    }

    /// <summary>Parses a source reference written by <see cref="Format(IEnumerable{MemoryItem})"/> as a list; empty when <paramref name="sourceRef"/> is not one (a digest included: see <see cref="Of"/>).</summary>
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

    private static string Format(IReadOnlyList<(MemoryId Id, int Version)> sources)
    {
        string list = Prefix + string.Join(",", sources.Select(Entry));
        return Encoding.UTF8.GetByteCount(list) <= ContentRules.MaxReferenceBytes ? list : Digest(sources);
    }

    // In id order and each source once, as links are: a store need not keep their order, and SQL stores keep one link per
    // target and type (a source listed twice came back once, and the digest no longer matched).
    private static string Digest(IReadOnlyList<(MemoryId Id, int Version)> sources)
    {
        var entries = sources.Select(Entry).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        string hex = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join(",", entries))));
        return string.Create(CultureInfo.InvariantCulture, $"{DigestPrefix}{entries.Count}:{hex}");
    }

    private static string Entry((MemoryId Id, int Version) source) => string.Create(CultureInfo.InvariantCulture, $"{source.Id}@{source.Version}");
}
