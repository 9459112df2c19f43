namespace AgentMem.Server.Contracts;

/// <summary>Body of <c>PUT /v1/memories/{id}/state</c>: freeze, unfreeze, archive or restore, as a new version.</summary>
public sealed record SetStateRequest
{
    /// <summary>The state to move to: <c>active</c> (unfreeze, restore from the archive or from a soft delete), <c>archived</c> or <c>frozen</c>.</summary>
    public LifecycleState? State { get; init; }

    /// <summary>Why; kept on the new version and in the audit log.</summary>
    public string? Reason { get; init; }

    /// <summary>The acting user.</summary>
    public string? User { get; init; }

    /// <summary>The acting agent.</summary>
    public string? Agent { get; init; }
}
