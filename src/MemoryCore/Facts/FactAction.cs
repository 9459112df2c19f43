namespace AgentMem.MemoryCore.Facts;

/// <summary>What to do with a new fact, given the facts already stored (the Mem0 operations).</summary>
public enum FactAction
{
    /// <summary>Nothing stored says this: store it as a new fact.</summary>
    Add = 0,

    /// <summary>It changes an existing fact (same subject and attribute, new value): store it and supersede the old one.</summary>
    Update = 1,

    /// <summary>It negates an existing fact: invalidate the old one and store nothing new.</summary>
    Delete = 2,

    /// <summary>It is already known: store nothing (the known fact counts as recalled).</summary>
    Noop = 3,
}

/// <summary>A classifier's verdict on one new fact.</summary>
/// <param name="Action">The operation.</param>
/// <param name="Target">The existing fact it applies to; required for <see cref="FactAction.Update"/> and <see cref="FactAction.Delete"/>, optional for <see cref="FactAction.Noop"/>, null for <see cref="FactAction.Add"/>.</param>
/// <param name="Reason">A short human-readable justification, recorded on the superseded version.</param>
/// <param name="Classifier">Which classifier decided (e.g. <c>rules</c>, <c>model</c>, <c>model→rules</c>).</param>
public sealed record FactDecision(FactAction Action, MemoryId? Target, string Reason, string Classifier);
