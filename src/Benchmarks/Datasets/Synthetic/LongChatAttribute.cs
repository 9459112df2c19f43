namespace AgentMem.Benchmarks.Datasets.Synthetic;

/// <summary>
/// One kind of fact the generator plants, such as a service's deployment region. Phrasings use
/// <c>{E}</c> for the entity (with its article, e.g. "the billing service") and <c>{V}</c> for the value.
/// </summary>
/// <param name="Key">Short name, e.g. <c>region</c>.</param>
/// <param name="OfComponents">Applies to software components (services, jobs, queues).</param>
/// <param name="OfMilestones">Applies to project milestones (releases, audits, migrations).</param>
/// <param name="Values">Values to draw from.</param>
/// <param name="Statements">Sentences stating the fact; each describes the attribute in its own words.</param>
/// <param name="Questions">Questions asking for the value; they name the entity but mostly describe the attribute differently from the statements.</param>
/// <param name="Descriptor">
/// A noun phrase naming an entity by this fact's value (<c>{V}</c>), used to chain two facts
/// ("the service that caches in Redis 7"); null when the attribute cannot identify an entity.
/// </param>
/// <param name="Distinctive">Values are more than a bare number, so an answer cannot be found by chance inside another question's words.</param>
internal sealed record LongChatAttribute(
    string Key,
    bool OfComponents,
    bool OfMilestones,
    IReadOnlyList<string> Values,
    IReadOnlyList<string> Statements,
    IReadOnlyList<string> Questions,
    string? Descriptor,
    bool Distinctive);
