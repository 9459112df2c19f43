using AgentMem.MemoryCore.Validation;

namespace AgentMem.Stores.Common;

/// <summary>
/// The argument checks every store makes before it touches its data, so each store refuses the same calls with the
/// same exceptions and messages.
/// </summary>
internal static class StoreArguments
{
    /// <summary>Refuses an item of another tenant than the call's: writes never cross tenants.</summary>
    public static void RequireTenant(string tenant, MemoryItem item)
    {
        if (!string.Equals(item.Scope.Tenant, tenant, StringComparison.Ordinal))
        {
            throw new AccessDeniedException($"Memory {item.Id} belongs to tenant '{item.Scope.Tenant}', not '{tenant}'; writes never cross tenants.");
        }
    }

    /// <summary>The checks of a page of history: a version number (0 from the first) and a positive page size.</summary>
    public static void RequireHistoryPage(long afterVersion, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterVersion);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
    }

    /// <summary>The checks of an add: every argument given, every item of the call's tenant.</summary>
    public static void RequireAdd(string tenant, IReadOnlyList<MemoryItem> items, AddOptions options, AuditRecord audit)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(audit);
        foreach (var item in items)
        {
            RequireTenant(tenant, item);
        }
    }

    /// <summary>The checks of a replace: both versions of the call's tenant, <paramref name="next"/> the same memory one version on.</summary>
    public static void RequireReplace(string tenant, MemoryItem superseded, MemoryItem next, AuditRecord audit)
    {
        ArgumentNullException.ThrowIfNull(superseded);
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(audit);
        RequireTenant(tenant, superseded);
        RequireTenant(tenant, next);
        if (superseded.Id != next.Id || next.Version != superseded.Version + 1)
        {
            throw new ArgumentException("The next version must have the same id and the following version number.", nameof(next));
        }
    }

    /// <summary>The checks of <see cref="RequireReplace"/> for each of <paramref name="replacements"/>.</summary>
    public static void RequireReplacements(string tenant, IReadOnlyList<MemoryReplacement> replacements)
    {
        ArgumentNullException.ThrowIfNull(replacements);
        var states = new Dictionary<MemoryId, LifecycleState>();
        var absorbed = new HashSet<MemoryId>();
        foreach (var replacement in replacements)
        {
            ArgumentNullException.ThrowIfNull(replacement, nameof(replacements));
            RequireReplace(tenant, replacement.Superseded, replacement.Next, replacement.Audit);
            // Only a memory this call retires gives its recalls away, and only once: its row is then written (and, where
            // rows are locked, locked) by this transaction, and nothing recalls it after, so no recall is counted twice.
            if (replacement.AbsorbsRecallsOf is { } from
                && (from == replacement.Next.Id || !states.TryGetValue(from, out var state) || state != LifecycleState.Superseded || !absorbed.Add(from)))
            {
                throw new ArgumentException($"Memory {replacement.Next.Id} may absorb the recalls of {from} only when an earlier replacement of the same call supersedes {from}, and no other replacement absorbs them.", nameof(replacements));
            }

            states[replacement.Next.Id] = replacement.Next.State;
        }
    }

    /// <summary>
    /// The checks of a restore: every history non-empty, of the cube's tenant and cube, one id, consecutive versions oldest
    /// first; no id twice; each embedding a usable vector (<see cref="RequireEmbeddingWrite"/>) of one of the memories.
    /// </summary>
    public static void RequireRestore(MemCube cube, IReadOnlyList<IReadOnlyList<MemoryItem>> histories, AuditRecord audit, MemoryCore.Export.ArchivedEmbeddings? embeddings)
    {
        ArgumentNullException.ThrowIfNull(cube);
        ArgumentNullException.ThrowIfNull(histories);
        ArgumentNullException.ThrowIfNull(audit);
        var ids = new HashSet<MemoryId>();
        foreach (var history in histories)
        {
            if (history is null || history.Count == 0)
            {
                throw new ArgumentException("Every memory needs at least one version.", nameof(histories));
            }

            if (!ids.Add(history[0].Id))
            {
                throw new ArgumentException($"Memory {history[0].Id} appears twice.", nameof(histories));
            }

            for (int i = 0; i < history.Count; i++)
            {
                RequireTenant(cube.Owner.Tenant, history[i]);
                if (history[i].Id != history[0].Id || history[i].CubeId != cube.Id || history[i].Version != history[0].Version + i)
                {
                    throw new ArgumentException($"Memory {history[0].Id}: versions must share the id and cube and be consecutive, oldest first.", nameof(histories));
                }
            }
        }

        if (embeddings is not null)
        {
            ArgumentNullException.ThrowIfNull(embeddings.Vectors, nameof(embeddings));
            RequireEmbeddingWrite(cube.Id, embeddings.Embedder, [.. embeddings.Vectors.Values]);
            foreach (var embedding in embeddings.Vectors.Values)
            {
                if (!ids.Contains(embedding.MemoryId))
                {
                    throw new ArgumentException($"The embedding of memory {embedding.MemoryId} is of no memory restored with it.", nameof(embeddings));
                }
            }
        }
    }

    /// <summary>The checks of a change-feed read.</summary>
    public static void RequireChangeRead(string tenant, string cubeId, long afterSequence, int limit)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenant);
        ArgumentException.ThrowIfNullOrWhiteSpace(cubeId);
        ArgumentOutOfRangeException.ThrowIfNegative(afterSequence);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
    }

    /// <summary>The checks of a count of memories lacking an embedding.</summary>
    public static void RequireEmbeddingCount(string tenant, string embedder, IReadOnlyCollection<LifecycleState> states)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenant);
        ArgumentException.ThrowIfNullOrWhiteSpace(embedder);
        ArgumentNullException.ThrowIfNull(states);
    }

    /// <summary>The checks of an embedding read.</summary>
    public static void RequireEmbeddingRead(string tenant, string cubeId, string embedder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenant);
        ArgumentException.ThrowIfNullOrWhiteSpace(cubeId);
        ArgumentException.ThrowIfNullOrWhiteSpace(embedder);
    }

    /// <summary>
    /// The checks of an embedding write that the stores make before anything else (the tenant is checked when the
    /// write starts, so an empty batch never needs one): every embedding given, with a vector of at least one component, each
    /// finite (<see cref="VectorValues.DescribeNonFinite"/>).
    /// </summary>
    public static void RequireEmbeddingWrite(string cubeId, string embedder, IReadOnlyList<StoredEmbedding> embeddings)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cubeId);
        ArgumentException.ThrowIfNullOrWhiteSpace(embedder);
        ArgumentNullException.ThrowIfNull(embeddings);
        foreach (var embedding in embeddings)
        {
            ArgumentNullException.ThrowIfNull(embedding);
            ArgumentNullException.ThrowIfNull(embedding.Vector, nameof(embeddings));
            if (embedding.Vector.Length == 0)
            {
                // A vector of no dimension has no direction to compare, and SQLite's blob of one reads back as a damaged row.
                throw new ArgumentException($"The embedding of memory {embedding.MemoryId} has no components.", nameof(embeddings));
            }

            if (VectorValues.DescribeNonFinite(embedding.Vector) is { } bad)
            {
                throw new ArgumentException($"The embedding of memory {embedding.MemoryId} has {bad}.", nameof(embeddings));
            }
        }
    }

    /// <summary>The checks of a recall: every argument given.</summary>
    public static void RequireRecalls(IReadOnlyList<MemoryId> ids, AuditRecord audit)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(audit);
    }
}
