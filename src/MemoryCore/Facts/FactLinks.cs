using AgentMem.MemoryCore.Links;

namespace AgentMem.MemoryCore.Facts;

/// <summary>
/// The link types the fact lifecycle writes, by the names callers already use; the values are <see cref="LinkTypes"/>', the one
/// table of link types.
/// </summary>
public static class FactLinks
{
    /// <summary>From the newer memory to the one it replaces (update or merge).</summary>
    public const string Supersedes = LinkTypes.Supersedes;

    /// <summary>From the replaced memory to its successor.</summary>
    public const string SupersededBy = LinkTypes.SupersededBy;

    /// <summary>From an invalidated memory to the memory that contradicted it, when one was stored.</summary>
    public const string InvalidatedBy = LinkTypes.InvalidatedBy;

    /// <summary>From a derived memory (thought, summary) to a memory it was derived from.</summary>
    public const string DerivedFrom = LinkTypes.DerivedFrom;
}
