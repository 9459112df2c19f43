namespace AgentMem.ModelHost;

/// <summary>What an <c>.amlora</c> file says about itself without its tensors (<see cref="LoraAdapterFile.Inspect"/>).</summary>
/// <param name="Version">The file's format version.</param>
/// <param name="Fingerprint">Lower-case hex fingerprint of the model the adapter was trained on.</param>
/// <param name="Layers">Number of transformer layers.</param>
/// <param name="Dim">The model's width.</param>
/// <param name="KvDim">The model's key/value width.</param>
/// <param name="HiddenDim">The model's feed-forward width.</param>
/// <param name="Rank">LoRA rank r.</param>
/// <param name="Alpha">LoRA alpha (the update is scaled by alpha / r).</param>
/// <param name="Targets">The adapted projections, in <see cref="LoraTarget"/> order.</param>
/// <param name="Metadata">The training recipe and other notes, by key in ordinal order.</param>
/// <param name="Sources">What the adapter was trained from (opaque ids).</param>
public sealed record LoraAdapterHeader(
    int Version,
    string Fingerprint,
    int Layers,
    int Dim,
    int KvDim,
    int HiddenDim,
    int Rank,
    float Alpha,
    IReadOnlyList<LoraTarget> Targets,
    IReadOnlyDictionary<string, string> Metadata,
    IReadOnlyList<string> Sources)
{
    /// <summary>alpha / rank.</summary>
    public float Scale => Alpha / Rank;

    /// <summary>Size of the file in bytes (set by <see cref="LoraAdapterFile.Inspect"/>).</summary>
    public long FileBytes { get; init; }
}
