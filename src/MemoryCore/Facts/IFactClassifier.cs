namespace AgentMem.MemoryCore.Facts;

/// <summary>Decides ADD / UPDATE / DELETE / NOOP for a new fact against its nearest stored facts.</summary>
public interface IFactClassifier
{
    /// <summary>A short name for decisions and logs, e.g. <c>rules</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Classifies <paramref name="fact"/> against <paramref name="candidates"/> (live facts, best match first).
    /// A decision's target must be one of the candidates; the caller enforces it.
    /// </summary>
    Task<FactDecision> ClassifyAsync(string fact, IReadOnlyList<MemoryItem> candidates, CancellationToken cancellationToken = default);
}
