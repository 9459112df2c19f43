namespace AgentMem.MemoryCore.Facts;

/// <summary>Link types that tie a fact to the facts it replaced or that replaced it.</summary>
public static class FactLinks
{
    /// <summary>From the newer memory to the one it replaces (update or merge).</summary>
    public const string Supersedes = "supersedes";

    /// <summary>From the replaced memory to its successor.</summary>
    public const string SupersededBy = "superseded-by";

    /// <summary>From an invalidated memory to the memory that contradicted it, when one was stored.</summary>
    public const string InvalidatedBy = "invalidated-by";

    /// <summary>From a derived memory (thought, summary) to a memory it was derived from.</summary>
    public const string DerivedFrom = "derived-from";
}
