namespace AgentMem.MemoryCore.Links;

/// <summary>
/// Every link type memories carry (stored in <see cref="Model.MemoryLink.Type"/>): the typed Zettelkasten links between notes,
/// the supersede chain of facts, and the provenance links from a memory to what it was made from.
/// </summary>
public static class LinkTypes
{
    /// <summary>Shares a topic with the other note.</summary>
    public const string RelatesTo = "relates-to";

    /// <summary>Adds detail to the other note: same speaker, same subject.</summary>
    public const string Elaborates = "elaborates";

    /// <summary>States the opposite of the other note (one of them negates what the other asserts).</summary>
    public const string Contradicts = "contradicts";

    /// <summary>Replaces the other memory, which is no longer current (a fact update, a merge, a newer note).</summary>
    public const string Supersedes = "supersedes";

    /// <summary>The reverse of <see cref="Supersedes"/>: this memory was replaced by the other.</summary>
    public const string SupersededBy = "superseded-by";

    /// <summary>From an invalidated memory to the memory that contradicted it, when one was stored.</summary>
    public const string InvalidatedBy = "invalidated-by";

    /// <summary>From a derived memory (thought, summary) to a memory it was derived from.</summary>
    public const string DerivedFrom = "derived-from";

    /// <summary>From an activation or parametric memory to each memory its payload file was made from.</summary>
    public const string Encodes = "encodes";

    /// <summary>
    /// The types by which a memory is made from others' content (<see cref="Encodes"/>, <see cref="DerivedFrom"/>): such a
    /// memory carries its sources' text on, so a purge of a source takes it too, and a store refuses to add one whose source
    /// is not there (see <see cref="Ports.IMemoryStore.AddAsync"/>).
    /// </summary>
    public static IReadOnlyList<string> Derivations { get; } = [Encodes, DerivedFrom];

    /// <summary>
    /// The types of the Zettelkasten links between notes (<see cref="RelatesTo"/>, <see cref="Elaborates"/>,
    /// <see cref="Contradicts"/>): a memory with one of them is in the note graph. The others (a supersede chain, a
    /// provenance link, a caller's own type) say nothing about whether a memory is a linked note.
    /// </summary>
    public static IReadOnlyList<string> Notes { get; } = [RelatesTo, Elaborates, Contradicts];

    /// <summary>The type the other end of a note link of <paramref name="type"/> gets, so links read the same from both sides.</summary>
    public static string Reverse(string type) => type switch
    {
        Supersedes => SupersededBy,
        SupersededBy => Supersedes,
        _ => type, // relates-to, elaborates and contradicts are symmetric enough to store both ways with the same name
    };
}
