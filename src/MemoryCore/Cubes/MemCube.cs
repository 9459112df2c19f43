namespace AgentMem.MemoryCore.Cubes;

/// <summary>
/// A scoped container of memories. Its <see cref="Owner"/> always has full access; others need a
/// <see cref="CubeGrant"/>. Names are unique within a tenant.
/// </summary>
public sealed record MemCube
{
    /// <summary>Stable id (a <see cref="Identity.MemoryId"/> in text form).</summary>
    public required string Id { get; init; }

    /// <summary>Owner scope; its tenant is the cube's tenant.</summary>
    public required Scope Owner { get; init; }

    /// <summary>Name, unique within the tenant.</summary>
    public required string Name { get; init; }

    /// <summary>Free text describing the cube.</summary>
    public string? Description { get; init; }

    /// <summary>Who besides the owner may read or write.</summary>
    public IReadOnlyList<CubeGrant> Grants { get; init; } = [];

    /// <summary>Retention, de-duplication and budget policies.</summary>
    public CubePolicy Policy { get; init; } = new();

    /// <summary>When the cube was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the cube's metadata last changed.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }
}
