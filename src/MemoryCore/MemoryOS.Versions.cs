using AgentMem.MemoryCore.Telemetry;
using AgentMem.MemoryCore.Time;
using AgentMem.MemoryCore.Validation;

namespace AgentMem.MemoryCore;

/// <summary>New versions by update or state change: of one memory, or of many in one transaction.</summary>
public sealed partial class MemoryOS
{
    /// <summary>
    /// Writes a new version of each memory named, in order and in one transaction: all are stored, or none (so a run of
    /// many small updates costs one commit, not one each). An id named twice gets two versions, the second applied to the
    /// first; a change that changes nothing writes no version. Each change is checked as <see cref="UpdateAsync"/> checks
    /// it, before anything is written; returns each memory as it is after its update, in order.
    /// </summary>
    /// <remarks>
    /// A memory whose text changed is recorded as recalled once the write has committed, as
    /// <see cref="RecordRecallAsync"/> records it and as a restore is: someone just used and corrected it, so the forgetting
    /// curve starts again. A change of tags, keywords, context, importance, validity or links alone is not a recall.
    /// When another writer (another node, another request) stores a version of a memory between this call's read and its
    /// write, the call is made again from a fresh read, a few times at most (then <see cref="MemoryVersionConflictException"/>):
    /// a change without <see cref="MemoryChange.ExpectedVersion"/> is applied to the version that writer stored, and one
    /// with it is refused as changed meanwhile.
    /// </remarks>
    public async Task<IReadOnlyList<MemoryItem>> UpdateManyAsync(Scope actor, IReadOnlyList<MemoryUpdate> updates, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(updates);
        foreach (var update in updates)
        {
            ArgumentNullException.ThrowIfNull(update, nameof(updates));
            ArgumentNullException.ThrowIfNull(update.Change, nameof(updates));
        }

        var edited = new List<MemoryId>();
        var after = await WriteVersionsAsync(actor, [.. updates.Select(u => u.Id)], "memory.update", (i, current, now) =>
        {
            var step = Updating(current, updates[i].Change, now);
            if (step is { } write && !string.Equals(write.Next.Text, current.Text, StringComparison.Ordinal) && !edited.Contains(current.Id))
            {
                edited.Add(current.Id);
            }

            return step;
        }, linksFromCaller: true, onRetry: edited.Clear, cancellationToken).ConfigureAwait(false);

        // Only here, for a caller's edit: the jobs' own writes (a note's evolution, a merge) go through WriteVersionsAsync
        // directly and are no recall, or every linked memory would be kept from fading by the links the jobs add to it.
        return edited.Count == 0 ? after : await RecordRecalledAsync(actor, after, edited, "edit").ConfigureAwait(false);
    }

    /// <summary>
    /// <see cref="SetStateAsync"/> for several memories, in order and in one transaction: all are stored, or none (a
    /// frozen memory asked to move anywhere but <see cref="LifecycleState.Active"/> fails the whole call). A memory
    /// already in the state asked for is left as it is. Returns each memory as it is after its change, in order.
    /// </summary>
    /// <remarks>
    /// A memory restored (moved from <see cref="LifecycleState.Archived"/>, <see cref="LifecycleState.Deleted"/> or
    /// <see cref="LifecycleState.Superseded"/> to <see cref="LifecycleState.Active"/>) is recorded as recalled once the
    /// change has committed, as <see cref="RecordRecallAsync"/> records it: someone asked for it back. A call that meets
    /// another writer's version between its read and its write is decided again from a fresh read, as
    /// <see cref="UpdateManyAsync"/> is: two archives of one memory both return it archived.
    /// </remarks>
    public Task<IReadOnlyList<MemoryItem>> SetStateManyAsync(Scope actor, IReadOnlyList<MemoryStateChange> changes, CancellationToken cancellationToken = default) =>
        SetStateManyAsync(actor, changes, stillDue: null, cancellationToken);

    /// <summary>
    /// <see cref="SetStateManyAsync(Scope, IReadOnlyList{MemoryStateChange}, CancellationToken)"/>, with each change decided
    /// again on the memory as the write loads it: <paramref name="stillDue"/> returns the reason to record, or null to leave
    /// that memory as it is (no version; it comes back unchanged). A job's decision can go stale without a new version: a
    /// recall updates the forgetting counters in place, so <see cref="MemoryStateChange.ExpectedVersion"/> cannot see it.
    /// </summary>
    internal async Task<IReadOnlyList<MemoryItem>> SetStateManyAsync(Scope actor, IReadOnlyList<MemoryStateChange> changes, Func<MemoryItem, string?>? stillDue, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        foreach (var change in changes)
        {
            ArgumentNullException.ThrowIfNull(change, nameof(changes));
            if (change.State is not (LifecycleState.Active or LifecycleState.Archived or LifecycleState.Frozen))
            {
                throw new MemoryStateException($"A memory cannot be set to {change.State} directly; use UpdateAsync, DeleteAsync or PurgeAsync.");
            }
        }

        var restored = new List<MemoryId>();
        var after = await WriteVersionsAsync(actor, [.. changes.Select(c => c.Id)], "memory.state", (i, current, now) =>
        {
            var (id, state, reason) = changes[i];
            RequireVersion(current, changes[i].ExpectedVersion, "change");

            if (current.State == state)
            {
                return null;
            }

            if (stillDue is not null)
            {
                if (stillDue(current) is not { } due)
                {
                    return null;
                }

                reason = due;
            }

            if (current.State == LifecycleState.Frozen && state != LifecycleState.Active)
            {
                throw new MemoryFrozenException($"Memory {id} is frozen; unfreeze it (set it Active) before moving it to {state}.");
            }

            // Frozen is live (searched): freezing a deleted, superseded or archived memory brought it back into retrieval as a
            // side effect. Bringing one back is a restore of its own (set it Active), which a freeze may then follow.
            if (state == LifecycleState.Frozen && current.State is LifecycleState.Deleted or LifecycleState.Superseded or LifecycleState.Archived)
            {
                throw new MemoryStateException($"Memory {id} is {current.State.ToString().ToLowerInvariant()}; restore it (set it Active) before freezing it.");
            }

            reason = Reason(reason);
            var next = current with { State = state, StateReason = reason, Version = current.Version + 1, UpdatedAt = now };
            // Any way back counts, not only from the archive: a memory restored after a mistaken delete is as old as
            // one archived, and the next forgetting run took it at once.
            if (current.State is LifecycleState.Archived or LifecycleState.Deleted or LifecycleState.Superseded && state == LifecycleState.Active)
            {
                restored.Add(id);
            }

            return new VersionPlan(next, reason ?? $"state {current.State} -> {state}", "state");
        }, linksFromCaller: false, onRetry: restored.Clear, cancellationToken).ConfigureAwait(false);

        // The forgetting clock runs from the last recall, else from the recording: a memory restored without one was
        // archived again by the next forgetting run. Its recall (in place, no version) comes after the change committed.
        return restored.Count == 0 ? after : await RecordRecalledAsync(actor, after, restored, "restore").ConfigureAwait(false);
    }

    /// <summary>
    /// Records the recall of memories just restored or edited (<paramref name="why"/>, for the audit line) and returns
    /// <paramref name="after"/> with their reinforced counters. Best effort, and not cancelled: the write has committed, so
    /// a store without recalls, a full disk or a cancellation must not report it as failed (the memory then keeps its old
    /// clock, as search does on a full disk).
    /// </summary>
    private async Task<IReadOnlyList<MemoryItem>> RecordRecalledAsync(Scope actor, IReadOnlyList<MemoryItem> after, List<MemoryId> recalled, string why)
    {
        IReadOnlyList<RecallRecord> recalls;
        try
        {
            recalls = await store.RecordRecallsAsync(actor.Tenant, recalled, time.GetUtcNow(), Audit(actor, "recall", null, null, null, why), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NotSupportedException or StorageFullException)
        {
            return after;
        }

        var byId = recalls.ToDictionary(r => r.Id);
        return [.. after.Select(m => byId.TryGetValue(m.Id, out var r) ? m with { Strength = r.Strength, LastRecalledAt = r.LastRecalledAt, RecallCount = r.RecallCount } : m)];
    }

    /// <summary>
    /// The version <paramref name="change"/> makes of <paramref name="current"/> (validated; not written): what
    /// <see cref="UpdateManyAsync"/> stores, for callers that plan several dependent updates before writing them.
    /// </summary>
    internal MemoryItem NextVersion(MemoryItem current, MemoryChange change, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(change);
        EnsureWritable(current, "update");
        string text = change.Text ?? current.Text;
        if (current.State == LifecycleState.Superseded && !string.Equals(text, current.Text, StringComparison.Ordinal))
        {
            // Its text is what the fact said when it was replaced (its chain's history); a new one would rewrite that record.
            throw new MemoryStateException($"Memory {current.Id} is superseded ({current.StateReason}); its text stays what it said when it was replaced. Restore it (set it Active) first to change its text, or change the memory that replaced it.");
        }

        if (change.Text is not null)
        {
            // Only a new text: one stored before today's rules (a NUL kept by SQLite) must not block edits of its tags.
            ContentRules.ValidateText(text, options.MaxContentBytes);
        }
        var validFrom = StoredTime.Of(change.ValidFrom) ?? current.ValidFrom;
        var validTo = StoredTime.Of(change.ValidTo) ?? current.ValidTo;
        ContentRules.ValidateInterval(validFrom, validTo);
        return current with
        {
            Text = text,
            ContentHash = ContentRules.ComputeHash(current.Kind, text, current.Payload),
            // Within the limit, or within what the memory holds already (one restored, or stored before the limit, with more):
            // an update may keep or drop such labels, not add to them.
            Tags = change.Tags is null ? current.Tags : ContentRules.NormalizeLabels(change.Tags, "tag", Math.Max(options.MaxLabels, current.Tags.Count)),
            Keywords = change.Keywords is null ? current.Keywords : ContentRules.NormalizeLabels(change.Keywords, "keyword", Math.Max(options.MaxLabels, current.Keywords.Count)),
            Context = change.Context is null ? current.Context : ContentRules.Optional(change.Context, ContentRules.MaxNoteBytes, "context"),
            Importance = change.Importance is { } imp ? ContentRules.ValidateUnit(imp, "importance") : current.Importance,
            ValidFrom = validFrom,
            ValidTo = validTo,
            Links = change.Links is null ? current.Links : ContentRules.ValidateLinks(change.Links, current.Links),
            Version = current.Version + 1,
            // An edit keeps the state, so an archived or superseded memory keeps why it is out of retrieval ("faded: ...",
            // "superseded by ..."); an active one's reason was about its last state change and goes.
            StateReason = current.State == LifecycleState.Active ? null : current.StateReason,
            UpdatedAt = now,
        };
    }

    /// <summary>
    /// The version that supersedes <paramref name="current"/> (see <see cref="SupersedeAsync"/>): state
    /// <see cref="LifecycleState.Superseded"/> with the reason, <paramref name="links"/> merged into its links (replacing
    /// any of the same target and type), its event ended at <paramref name="validTo"/> (default now, never before it
    /// began) unless <paramref name="keepValidity"/>.
    /// </summary>
    internal static VersionPlan Superseding(MemoryItem current, string reason, IReadOnlyList<MemoryLink>? links, DateTimeOffset? validTo, bool keepValidity, DateTimeOffset now)
    {
        EnsureWritable(current, "supersede");
        if (current.State == LifecycleState.Superseded)
        {
            throw new MemoryStateException($"Memory {current.Id} is already superseded ({current.StateReason}).");
        }

        var end = StoredTime.Of(validTo) ?? now;
        if (current.ValidFrom is { } from && end < from)
        {
            end = from;
        }

        var merged = current.Links.ToList();
        foreach (var link in ContentRules.ValidateLinks(links))
        {
            merged.RemoveAll(l => l.Target == link.Target && string.Equals(l.Type, link.Type, StringComparison.Ordinal));
            merged.Add(link);
        }

        string why = Reason(reason) ?? throw new MemoryValidationException("A supersede needs a reason.");
        var next = current with { State = LifecycleState.Superseded, StateReason = why, ValidTo = keepValidity ? current.ValidTo : end, Links = merged, Version = current.Version + 1, UpdatedAt = now };
        return new VersionPlan(next, why, "supersede");
    }

    /// <summary>
    /// The version <paramref name="change"/> makes of <paramref name="current"/>, as <see cref="UpdateManyAsync"/> writes it;
    /// null when it changes nothing (no version: each would copy the whole memory into the history for nothing).
    /// </summary>
    internal VersionPlan? Updating(MemoryItem current, MemoryChange change, DateTimeOffset now)
    {
        RequireVersion(current, change.ExpectedVersion, "update");
        var next = NextVersion(current, change, now);
        return ChangesNothing(current, next) ? null : new(next, Reason(change.Reason) ?? "updated", "update");
    }

    /// <summary>Refuses a <paramref name="what"/> decided on a version of <paramref name="current"/> it has moved on from.</summary>
    private static void RequireVersion(MemoryItem current, int? expected, string what)
    {
        if (expected is int version && current.Version != version)
        {
            throw new MemoryStateException($"Memory {current.Id} is at version {current.Version}, not {version} as the {what} expected: it changed meanwhile.");
        }
    }

    // Times compare as stored (to the microsecond): a memory SQLite kept with ticks, before the facade stamped whole
    // microseconds, must not take a caller's copy of its own time for a change. The event start's offset is kept with it,
    // so the same instant at another offset is a change: it moves the day the memory is dated by.
    private static bool ChangesNothing(MemoryItem current, MemoryItem next) =>
        string.Equals(current.Text, next.Text, StringComparison.Ordinal)
        && current.Tags.SequenceEqual(next.Tags, StringComparer.Ordinal)
        && current.Keywords.SequenceEqual(next.Keywords, StringComparer.Ordinal)
        && string.Equals(current.Context, next.Context, StringComparison.Ordinal)
        && current.Importance.Equals(next.Importance)
        && StoredTime.Of(current.ValidFrom) == StoredTime.Of(next.ValidFrom)
        && current.ValidFrom?.Offset == next.ValidFrom?.Offset
        && StoredTime.Of(current.ValidTo) == StoredTime.Of(next.ValidTo)
        && current.Links.SequenceEqual(next.Links);

    /// <summary>
    /// Loads the memories (each must exist, in a cube the actor may write), asks <paramref name="plan"/> for the next version of
    /// each in order (null: leave it; an id named again sees its planned version) and writes them all in one transaction.
    /// Returns each memory as it is after its step. Links to memories no longer stored are dropped by the store: for a job
    /// whose links come from its own reads, a target purged since is no error.
    /// </summary>
    internal Task<IReadOnlyList<MemoryItem>> WriteVersionsAsync(Scope actor, IReadOnlyList<MemoryId> ids, string activityName, Func<int, MemoryItem, DateTimeOffset, VersionPlan?> plan, CancellationToken cancellationToken) =>
        WriteVersionsAsync(actor, ids, activityName, plan, linksFromCaller: false, onRetry: null, cancellationToken);

    /// <summary>
    /// How many times a caller's update, state change or soft delete is made when each attempt loses its memory to another
    /// writer between its read and its write; the last loss is the caller's <see cref="MemoryVersionConflictException"/>.
    /// </summary>
    private const int MaxWriteAttempts = 5;

    /// <summary>
    /// <see cref="WriteVersionsAsync(Scope, IReadOnlyList{MemoryId}, string, Func{int, MemoryItem, DateTimeOffset, VersionPlan?}, CancellationToken)"/>;
    /// with <paramref name="linksFromCaller"/>, a link a step adds to a memory that is not stored refuses the whole write
    /// with <see cref="MemoryValidationException"/> instead (see <see cref="RequireLinkTargetsAsync"/>). With
    /// <paramref name="onRetry"/>, a write that loses a memory to another writer after its read (the store's
    /// <see cref="MemoryVersionConflictException"/>) is made again from a fresh read, up to <see cref="MaxWriteAttempts"/>
    /// times: <paramref name="onRetry"/> first drops what <paramref name="plan"/> noted on the attempt that lost.
    /// </summary>
    private async Task<IReadOnlyList<MemoryItem>> WriteVersionsAsync(Scope actor, IReadOnlyList<MemoryId> ids, string activityName, Func<int, MemoryItem, DateTimeOffset, VersionPlan?> plan, bool linksFromCaller, Action? onRetry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (ids.Count == 0)
        {
            return [];
        }

        using var activity = ids.Count == 1 ? StartMemoryActivity(activityName, actor, ids[0]) : MemoryCoreTelemetry.Source.StartActivity(activityName);
        if (activity is not null && ids.Count > 1)
        {
            activity.SetTag(MemoryCoreTelemetry.TenantTag, actor.Tenant);
            activity.SetTag("agentmem.batch_size", ids.Count);
        }

        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await WriteVersionsOnceAsync(actor, ids, plan, linksFromCaller, activity, cancellationToken).ConfigureAwait(false);
            }
            catch (MemoryVersionConflictException) when (onRetry is not null && attempt < MaxWriteAttempts)
            {
                // Another writer (another node, another request) stored a version after this read; nothing of this one was
                // stored. A caller's change is made again on the memory as that writer left it, as the caller would retry
                // it: the plan checks an expected version the caller gave again (a 409 naming it), and a state asked for
                // that the memory is now in leaves it unchanged. Jobs pass no onRetry: their plans were judged on a read.
                onRetry();
            }
        }
    }

    /// <summary>One attempt of <see cref="WriteVersionsAsync(Scope, IReadOnlyList{MemoryId}, string, Func{int, MemoryItem, DateTimeOffset, VersionPlan?}, bool, Action?, CancellationToken)"/>: read, plan, write.</summary>
    private async Task<IReadOnlyList<MemoryItem>> WriteVersionsOnceAsync(Scope actor, IReadOnlyList<MemoryId> ids, Func<int, MemoryItem, DateTimeOffset, VersionPlan?> plan, bool linksFromCaller, Activity? activity, CancellationToken cancellationToken)
    {
        var current = await LoadForWriteAsync(actor, ids, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var replacements = new List<MemoryReplacement>(ids.Count);
        var after = new MemoryItem[ids.Count];
        for (int i = 0; i < ids.Count; i++)
        {
            var before = current[ids[i]];
            VersionPlan? step;
            try
            {
                step = plan(i, before, now);
            }
            catch (MemoryValidationException ex) when (ids.Count > 1)
            {
                throw Rewrap(ex, $"Item {i} of the batch: {ex.Message} Nothing from this batch was stored.");
            }

            if (step is { } write)
            {
                var superseded = before with { State = LifecycleState.Superseded, StateReason = write.Reason };
                replacements.Add(new MemoryReplacement(superseded, write.Next, Audit(actor, write.Action, before.CubeId, before.Id, write.Next.Version, write.Reason)) { AbsorbsRecallsOf = write.AbsorbsRecallsOf });
                current[ids[i]] = write.Next;
            }

            after[i] = current[ids[i]];
        }

        if (ids.Count == 1)
        {
            activity?.SetTag(MemoryCoreTelemetry.CubeTag, after[0].CubeId);
        }

        if (replacements.Count > 0)
        {
            if (linksFromCaller)
            {
                // Only targets a step adds are read: the others were there when the memory was loaded.
                var added = replacements.SelectMany(r => r.Next.Links.Select(l => l.Target).Except(r.Superseded.Links.Select(l => l.Target))).ToHashSet();
                added.ExceptWith(current.Keys);
                await RequireLinkTargetsAsync(actor, added, cancellationToken).ConfigureAwait(false);
            }

            await store.ReplaceManyAsync(actor.Tenant, replacements, cancellationToken).ConfigureAwait(false);
            foreach (string cubeId in replacements.Select(r => r.Next.CubeId).Distinct(StringComparer.Ordinal))
            {
                Notify(actor.Tenant, cubeId);
            }
        }

        return after;
    }

    /// <summary>
    /// The current version of each memory named, in order, in one read: as <see cref="GetAsync"/> reads one (unknown ids
    /// and cubes the actor may not read are refused), for callers that work through many.
    /// </summary>
    internal async Task<IReadOnlyList<MemoryItem>> GetManyAsync(Scope actor, IReadOnlyList<MemoryId> ids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return [];
        }

        var current = await LoadAllAsync(actor, ids, CubeAccess.Read, cancellationToken).ConfigureAwait(false);
        return [.. ids.Select(id => current[id])];
    }

    /// <summary>The current version of every memory named, after checking each exists and its cube lets the actor read and write.</summary>
    private Task<Dictionary<MemoryId, MemoryItem>> LoadForWriteAsync(Scope actor, IReadOnlyList<MemoryId> ids, CancellationToken cancellationToken) =>
        LoadAllAsync(actor, ids, CubeAccess.ReadWrite, cancellationToken); // what is written is returned: reading it too

    private async Task<Dictionary<MemoryId, MemoryItem>> LoadAllAsync(Scope actor, IReadOnlyList<MemoryId> ids, CubeAccess needed, CancellationToken cancellationToken)
    {
        var distinct = ids.Distinct().ToList();
        if (distinct.Count == 1)
        {
            var (item, _) = await LoadAsync(actor, distinct[0], needed, cancellationToken).ConfigureAwait(false);
            return new Dictionary<MemoryId, MemoryItem> { [item.Id] = item };
        }

        var current = (await store.GetManyAsync(actor.Tenant, distinct, cancellationToken).ConfigureAwait(false)).ToDictionary(i => i.Id);
        foreach (var id in distinct)
        {
            if (!current.ContainsKey(id))
            {
                throw NotFound(id);
            }
        }

        foreach (var inCube in current.Values.GroupBy(i => i.CubeId, StringComparer.Ordinal))
        {
            var cube = await store.FindCubeAsync(actor.Tenant, inCube.Key, cancellationToken).ConfigureAwait(false) ?? throw NotFound(inCube.First().Id);
            DemandForMemories(cube, actor, needed, ids, inCube);
        }

        return current;
    }

    /// <summary>
    /// What a planned write makes of one memory: its next version, the reason the superseded one keeps, the audit action,
    /// and for a merge the memory whose recall counters it takes over (<see cref="MemoryReplacement.AbsorbsRecallsOf"/>;
    /// the store combines them as stored, so the version returned still has the counters as loaded).
    /// </summary>
    internal readonly record struct VersionPlan(MemoryItem Next, string Reason, string Action, MemoryId? AbsorbsRecallsOf = null);
}
