namespace AgentMem.Benchmarks.Datasets;

/// <summary>
/// Irregularities a loader tolerated instead of failing on, so a run manifest can show how
/// much gold evidence was lost or repaired.
/// </summary>
/// <param name="DroppedEvidenceReferences">Evidence references that matched no turn or session and were ignored.</param>
/// <param name="RepairedEvidenceReferences">Evidence references that only matched after canonicalisation (e.g. LoCoMo <c>D30:05</c> → <c>D30:5</c>).</param>
/// <param name="UnmatchedEvidenceMessages">ConvoMem message evidences whose speaker and text matched no turn.</param>
/// <param name="Notes">Human-readable details of the first irregularities (capped at <see cref="MaxNotes"/>).</param>
public sealed record DatasetDiagnostics(
    int DroppedEvidenceReferences,
    int RepairedEvidenceReferences,
    int UnmatchedEvidenceMessages,
    IReadOnlyList<string> Notes)
{
    /// <summary>Most notes kept; counts keep going past it.</summary>
    public const int MaxNotes = 100;

    /// <summary>No irregularities.</summary>
    public static DatasetDiagnostics None { get; } = new(0, 0, 0, []);
}
