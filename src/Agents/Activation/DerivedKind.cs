namespace AgentMem.Agents.Activation;

/// <summary>
/// One kind of memory computed from other memories into a local payload file (KV cartridges, LoRA adapters): what
/// <see cref="DerivedPayloads"/> needs to list such memories and to word its errors, so both kinds are checked by one routine.
/// </summary>
/// <param name="Kind">The memory kind it is stored as.</param>
/// <param name="Tag">The tag every memory of it carries.</param>
/// <param name="Noun">What to call one memory of it, e.g. <c>activation memory</c>.</param>
/// <param name="File">What to call its payload file, e.g. <c>cartridge</c>.</param>
/// <param name="FileFormat">The payload's format, e.g. <c>KV cartridge</c>.</param>
/// <param name="Remedy">What the user should do when the memory is no longer live.</param>
internal sealed record DerivedKind(MemoryKind Kind, string Tag, string Noun, string File, string FileFormat, string Remedy)
{
    /// <summary>The noun with its indefinite article (<c>an activation memory</c>, <c>a parametric memory</c>).</summary>
    public string WithArticle => ("aeiou".Contains(Noun[0], StringComparison.Ordinal) ? "an " : "a ") + Noun;

    /// <summary>The noun at the start of a sentence.</summary>
    public string Capitalized => char.ToUpperInvariant(Noun[0]) + Noun[1..];
}
