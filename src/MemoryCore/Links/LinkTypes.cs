namespace AgentMem.MemoryCore.Links;

/// <summary>The typed Zettelkasten links notes get (stored in <see cref="Model.MemoryLink.Type"/>).</summary>
public static class LinkTypes
{
    /// <summary>Shares a topic with the other note.</summary>
    public const string RelatesTo = "relates-to";

    /// <summary>Adds detail to the other note: same speaker, same subject.</summary>
    public const string Elaborates = "elaborates";

    /// <summary>States the opposite of the other note (one of them negates what the other asserts).</summary>
    public const string Contradicts = "contradicts";

    /// <summary>Replaces the other note, which is no longer current.</summary>
    public const string Supersedes = "supersedes";

    /// <summary>The reverse of <see cref="Supersedes"/>: this note was replaced by the other.</summary>
    public const string SupersededBy = "superseded-by";

    /// <summary>The type the other end of a link of <paramref name="type"/> gets, so links read the same from both sides.</summary>
    public static string Reverse(string type) => type switch
    {
        Supersedes => SupersededBy,
        SupersededBy => Supersedes,
        _ => type, // relates-to, elaborates and contradicts are symmetric enough to store both ways with the same name
    };
}
