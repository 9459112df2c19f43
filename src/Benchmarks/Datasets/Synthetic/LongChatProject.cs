namespace AgentMem.Benchmarks.Datasets.Synthetic;

/// <summary>The software project one generated conversation is about.</summary>
/// <param name="Name">Code name, e.g. <c>Lighthouse</c>.</param>
/// <param name="Product">What is being built, e.g. "a B2B invoicing platform".</param>
/// <param name="Team">Team name.</param>
/// <param name="Stack">Technology stack.</param>
/// <param name="Components">Components facts can be about.</param>
/// <param name="Milestones">Milestones facts can be about.</param>
/// <param name="People">Teammates.</param>
internal sealed record LongChatProject(
    string Name,
    string Product,
    string Team,
    LongChatStack Stack,
    IReadOnlyList<LongChatEntity> Components,
    IReadOnlyList<LongChatEntity> Milestones,
    IReadOnlyList<string> People);
