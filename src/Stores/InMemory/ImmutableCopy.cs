using System.Collections.Immutable;

namespace AgentMem.Stores.InMemory;

/// <summary>
/// Copies of what callers hand the store, with every list made immutable and every time in UTC but a memory's event start,
/// which keeps the offset it was given with (as the SQL stores read them back). The store keeps only such copies, so it can
/// return them as they are: neither the caller who wrote an item nor one who read it can change what the store holds.
/// </summary>
internal static class ImmutableCopy
{
    /// <summary>A memory version as stored in history: its links exactly as the writer listed them.</summary>
    public static MemoryItem Of(MemoryItem item) => item with
    {
        Provenance = item.Provenance with { RecordedAt = item.Provenance.RecordedAt.ToUniversalTime() },
        // ValidFrom stays as given, offset and all: its day is the speaker's, which the context shows and relative times
        // ("yesterday") are resolved against.
        ValidTo = item.ValidTo?.ToUniversalTime(),
        LastRecalledAt = item.LastRecalledAt?.ToUniversalTime(),
        UpdatedAt = item.UpdatedAt.ToUniversalTime(),
        Tags = item.Tags.ToImmutableArray(),
        Keywords = item.Keywords.ToImmutableArray(),
        Links = item.Links.ToImmutableArray(),
    };

    /// <summary>
    /// A current version: like <see cref="Of(MemoryItem)"/>, but with one link per target and type, the last listed
    /// winning and moving to the end (the SQLite store's links table replaces such a row).
    /// </summary>
    public static MemoryItem OfCurrent(MemoryItem item) => Of(item with { Links = LinkReplacement.LastPerTargetAndType(item.Links) });

    /// <summary>A cube with its grants made immutable and its times in UTC.</summary>
    public static MemCube Of(MemCube cube) => cube with
    {
        Grants = cube.Grants.ToImmutableArray(),
        CreatedAt = cube.CreatedAt.ToUniversalTime(),
        UpdatedAt = cube.UpdatedAt.ToUniversalTime(),
    };

    /// <summary>An audit line stamped with the tenant it is written to, whatever tenant it names itself.</summary>
    public static AuditRecord Of(AuditRecord audit, string tenant) => audit with { Tenant = tenant, At = audit.At.ToUniversalTime() };

    /// <summary>An embedding with its own copy of the vector.</summary>
    public static StoredEmbedding Of(StoredEmbedding embedding) => embedding with { Vector = (float[])embedding.Vector.Clone() };
}
