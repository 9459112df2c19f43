using AgentMem.MemoryCore.Forgetting;

namespace AgentMem.MemoryCore;

/// <summary>Forgetting a user: the right to erasure.</summary>
public sealed partial class MemoryOS
{
    /// <summary>
    /// Forgets <paramref name="user"/> in every cube of the actor's tenant: every memory whose scope names the user (all
    /// its versions, links, tags, embeddings and index entries) and every memory derived from one of them, transitively
    /// (linked <c>encodes</c> or <c>derived-from</c>), with the local cartridge and adapter files of the activation and parametric
    /// memories among them. Frozen
    /// memories are removed too: erasure is not something a freeze may hold back. Only a tenant-wide scope (no user, no
    /// agent: the owner of the tenant) or the user themself (or an agent acting for them) may do it. The tenant-wide scope
    /// and the user's own scope without an agent may whatever the cubes' grants say (erasure is the user's right); an agent
    /// acting for the user only where it may purge, as <see cref="PurgeAsync(Scope, MemoryId, string?, CancellationToken)"/>
    /// demands: read and write access to every cube that holds the user's memories. Otherwise nothing is forgotten: an agent
    /// whom a cube's owner shut out must not erase there what it may not even read.
    /// <para>
    /// Right after the memories, every grant that names the user is dropped from the tenant's cubes
    /// (<see cref="UserForgetResult.GrantsDropped"/>), so a user id given out again inherits no access. The cubes the user
    /// owns are not deleted: with them would go what others wrote there, which is the caller's decision. Their ids are
    /// returned (<see cref="UserForgetResult.OwnedCubes"/>); <see cref="DeleteCubeAsync"/> as their owner finishes the
    /// erasure.
    /// </para>
    /// </summary>
    /// <remarks>
    /// One audit line, <c>user.forget</c>, outlives it, naming the user and the counts: the user id is an identifier the
    /// caller chose, not content, and a record of erasure must say whose data was erased. No memory id, text or cube name
    /// of the forgotten data is written. The removal itself is a purge's (<see cref="PurgeAsync(Scope, MemoryId, string?, CancellationToken)"/>
    /// shares it): the store scrubs what the memories left (<see cref="IMemoryStore.PurgeManyAsync(string, IReadOnlyList{MemoryId}, AuditRecord, IReadOnlyCollection{MemoryId}?, CancellationToken)"/>: neighbours' snapshots,
    /// audit details, free pages, logs) and change listeners drop the persisted indexes of the affected cubes
    /// (<see cref="IMemoryChangeListener.OnMemoryPurged"/>).
    /// </remarks>
    /// <exception cref="AccessDeniedException">The actor is neither tenant-wide nor <paramref name="user"/>; or, as a
    /// <see cref="CubeAccessDeniedException"/> naming the cube, it is an agent acting for the user and may not read and write
    /// a cube that holds the user's memories, or a cube grants another agent of the user access.
    /// Nothing is forgotten.</exception>
    /// <exception cref="ErasureFilesLeftException">The user is forgotten, but a cartridge or adapter file computed from their memories could not be deleted (named), or a change listener threw (its error is the inner exception).</exception>
    public async Task<UserForgetResult> ForgetUserAsync(Scope actor, string user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        string who = ScopeNames.Require(user, "user");
        bool tenantWide = actor.User is null && actor.Agent is null;
        if (!tenantWide && !string.Equals(actor.User, who, StringComparison.Ordinal))
        {
            throw new AccessDeniedException($"Only the tenant's owner scope (no user, no agent) or user '{who}' may forget user '{who}'; scope {actor} is not.");
        }

        // The store filters by author (every cube, every state), so a user's few memories in a large tenant are all that is read.
        var written = new List<MemoryItem>();
        await foreach (var item in ListPagedAsync(actor.Tenant, new MemoryFilter { User = who, States = [] }, after: null, cancellationToken).ConfigureAwait(false))
        {
            written.Add(item);
        }

        // Listed after the memories: a cube missing here was deleted since, with the memories it held.
        var tenantCubes = await store.ListCubesAsync(actor.Tenant, cancellationToken).ConfigureAwait(false);
        if (actor.Agent is not null)
        {
            DemandErasable(actor, who, written, tenantCubes);
        }

        var writtenIds = written.Select(i => i.Id).ToList();
        var doomed = await WithDerivationsAsync(actor.Tenant, writtenIds, cancellationToken).ConfigureAwait(false);
        doomed.ExceptWith(writtenIds);
        var derived = doomed.Count == 0 ? [] : await store.GetManyAsync(actor.Tenant, [.. doomed], cancellationToken).ConfigureAwait(false);
        List<MemoryItem> removed = [.. written, .. derived];
        var cubes = removed.Select(i => i.CubeId).Distinct(StringComparer.Ordinal).ToList();
        string detail = $"user '{who}': {written.Count} written, {derived.Count} derived, {cubes.Count} cube(s)";
        var left = new ErasureLeft();
        var (memories, files) = await PurgeWithCleanUpAsync(actor, removed, Audit(actor, "user.forget", null, null, null, detail), cancellationToken, left: left).ConfigureAwait(false);
        int grants = await DropGrantsAsync(actor, who, tenantCubes).ConfigureAwait(false);
        var owned = tenantCubes.Where(c => string.Equals(c.Owner.User, who, StringComparison.Ordinal)).Select(c => c.Id).ToList();
        return !left.Any
            ? new UserForgetResult(who, written.Count, derived.Count, cubes.Count, files) { GrantsDropped = grants, OwnedCubes = owned }
            : throw FilesLeft($"Forgot user '{who}': purged {memories} memor{(memories == 1 ? "y" : "ies")}", memories, left);
    }

    /// <summary>
    /// Refuses, before anything is erased, a forget by an agent acting for the user that reaches further than it may: a cube that
    /// holds the user's memories where it may not purge (read and write access, as
    /// <see cref="PurgeAsync(Scope, MemoryId, string?, CancellationToken)"/> needs; derived memories follow their sources
    /// wherever they are, as in a purge), or a grant to another agent of the user, which
    /// that agent could not revoke otherwise.
    /// </summary>
    private static void DemandErasable(Scope actor, string user, IReadOnlyList<MemoryItem> written, IReadOnlyList<MemCube> cubes)
    {
        var holding = written.Select(i => i.CubeId).ToHashSet(StringComparer.Ordinal);
        foreach (var cube in cubes)
        {
            var granted = CubeAccessPolicy.Evaluate(cube, actor);
            bool canRead = (granted & CubeAccess.Read) == CubeAccess.Read;
            if (holding.Contains(cube.Id) && (granted & CubeAccess.ReadWrite) != CubeAccess.ReadWrite)
            {
                throw new CubeAccessDeniedException(
                    $"Scope {actor} may not purge in cube '{cube.Name}', which holds memories of user '{user}' (it needs read and write access there): nothing was forgotten. "
                    + "The tenant's owner scope (no user, no agent), the user's own scope without an agent, or an agent of the user with that access, may forget the user.",
                    cube.Name,
                    canRead);
            }

            if (actor.Agent is not null && cube.Grants.FirstOrDefault(g => NamesUser(g, user) && g.Agent is not null && !string.Equals(g.Agent, actor.Agent, StringComparison.Ordinal)) is { } others)
            {
                throw new CubeAccessDeniedException(
                    $"Scope {actor} may not drop the grant of cube '{cube.Name}' to agent '{others.Agent}' of user '{user}': nothing was forgotten. "
                    + "The tenant's owner scope (no user, no agent), or the user's own scope without an agent, may forget the user.",
                    cube.Name,
                    canRead);
            }
        }
    }

    /// <summary>
    /// Drops every grant that names <paramref name="user"/> from the tenant's <paramref name="cubes"/>, each cube in a write
    /// of its own applied to the cube as stored (a grant given meanwhile to someone else stays), audited <c>cube.grants</c>;
    /// returns how many. The store offers no write of grants inside a purge, so it runs right after the purge committed, and
    /// is not cancelled: a forget run again drops what a failure here left.
    /// </summary>
    private async Task<int> DropGrantsAsync(Scope actor, string user, IReadOnlyList<MemCube> cubes)
    {
        int dropped = 0;
        var now = time.GetUtcNow();
        foreach (var cube in cubes.Where(c => c.Grants.Any(g => NamesUser(g, user))))
        {
            int here = 0;
            try
            {
                await store.UpdateCubeAsync(actor.Tenant, cube.Id, stored =>
                {
                    var kept = stored.Grants.Where(g => !NamesUser(g, user)).ToList();
                    here = stored.Grants.Count - kept.Count;
                    return stored with { Grants = kept, UpdatedAt = now };
                }, Audit(actor, "cube.grants", cube.Id, null, null, $"user.forget: grants to user '{user}' dropped"), CancellationToken.None).ConfigureAwait(false);
            }
            catch (CubeNotFoundException)
            {
                // Deleted since it was listed, with its grants.
                continue;
            }

            dropped += here;
        }

        return dropped;
    }

    private static bool NamesUser(CubeGrant grant, string user) => string.Equals(grant.User, user, StringComparison.Ordinal);
}
