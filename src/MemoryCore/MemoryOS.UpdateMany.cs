using AgentMem.MemoryCore.Telemetry;
using AgentMem.MemoryCore.Validation;

namespace AgentMem.MemoryCore;

/// <summary>Updates: one memory or many in one transaction.</summary>
public sealed partial class MemoryOS
{
    /// <summary>
    /// Writes a new version of each memory named, in order and in one transaction: all are stored, or none (so a run of
    /// many small updates costs one commit, not one each). An id named twice gets two versions, the second applied to the
    /// first. Each change is checked as <see cref="UpdateAsync"/> checks it, before anything is written; returns the new
    /// version written by each update, in order.
    /// </summary>
    public async Task<IReadOnlyList<MemoryItem>> UpdateManyAsync(Scope actor, IReadOnlyList<MemoryUpdate> updates, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(updates);
        if (updates.Count == 0)
        {
            return [];
        }

        using var activity = updates.Count == 1 ? StartMemoryActivity("memory.update", actor, updates[0]?.Id ?? default) : MemoryCoreTelemetry.Source.StartActivity("memory.update");
        activity?.SetTag(MemoryCoreTelemetry.TenantTag, actor.Tenant);
        if (updates.Count > 1)
        {
            activity?.SetTag("agentmem.batch_size", updates.Count);
        }
        var current = await LoadForWriteAsync(actor, updates, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var replacements = new MemoryReplacement[updates.Count];
        var written = new MemoryItem[updates.Count];
        for (int i = 0; i < updates.Count; i++)
        {
            var (id, change) = updates[i];
            var before = current[id];
            MemoryItem next;
            try
            {
                next = NextVersion(before, change, now);
            }
            catch (MemoryValidationException ex) when (updates.Count > 1)
            {
                throw Rewrap(ex, $"Update {i} of the batch: {ex.Message} Nothing from this batch was stored.");
            }

            string reason = string.IsNullOrWhiteSpace(change.Reason) ? "updated" : change.Reason.Trim();
            var superseded = before with { State = LifecycleState.Superseded, StateReason = reason };
            replacements[i] = new MemoryReplacement(superseded, next, Audit(actor, "update", before.CubeId, id, next.Version, reason));
            current[id] = written[i] = next;
        }

        if (updates.Count == 1)
        {
            activity?.SetTag(MemoryCoreTelemetry.CubeTag, written[0].CubeId);
        }

        await store.ReplaceManyAsync(actor.Tenant, replacements, cancellationToken).ConfigureAwait(false);
        foreach (string cubeId in written.Select(w => w.CubeId).Distinct(StringComparer.Ordinal))
        {
            Notify(actor.Tenant, cubeId);
        }

        return written;
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
        ContentRules.ValidateText(text, options.MaxContentBytes);
        var validFrom = change.ValidFrom ?? current.ValidFrom;
        var validTo = change.ValidTo ?? current.ValidTo;
        ContentRules.ValidateInterval(validFrom, validTo);
        return current with
        {
            Text = text,
            ContentHash = ContentRules.ComputeHash(current.Kind, text, current.Payload),
            Tags = change.Tags is null ? current.Tags : ContentRules.NormalizeLabels(change.Tags, "tag"),
            Keywords = change.Keywords is null ? current.Keywords : ContentRules.NormalizeLabels(change.Keywords, "keyword"),
            Context = change.Context ?? current.Context,
            Importance = change.Importance is { } imp ? ContentRules.ValidateUnit(imp, "importance") : current.Importance,
            ValidFrom = validFrom,
            ValidTo = validTo,
            Links = change.Links ?? current.Links,
            Version = current.Version + 1,
            StateReason = null,
            UpdatedAt = now,
        };
    }

    /// <summary>The current version of every memory named, after checking each exists and its cube lets the actor write.</summary>
    private async Task<Dictionary<MemoryId, MemoryItem>> LoadForWriteAsync(Scope actor, IReadOnlyList<MemoryUpdate> updates, CancellationToken cancellationToken)
    {
        var ids = new List<MemoryId>(updates.Count);
        foreach (var update in updates)
        {
            ArgumentNullException.ThrowIfNull(update, nameof(updates));
            ArgumentNullException.ThrowIfNull(update.Change, nameof(updates));
            ids.Add(update.Id);
        }

        var distinct = ids.Distinct().ToList();
        var current = distinct.Count == 1
            ? new Dictionary<MemoryId, MemoryItem> { [distinct[0]] = (await LoadAsync(actor, distinct[0], CubeAccess.Write, cancellationToken).ConfigureAwait(false)).Item }
            : (await store.GetManyAsync(actor.Tenant, distinct, cancellationToken).ConfigureAwait(false)).ToDictionary(i => i.Id);
        if (distinct.Count > 1)
        {
            foreach (var id in distinct)
            {
                if (!current.ContainsKey(id))
                {
                    throw NotFound(id);
                }
            }

            foreach (string cubeId in current.Values.Select(i => i.CubeId).Distinct(StringComparer.Ordinal))
            {
                var cube = await store.FindCubeAsync(actor.Tenant, cubeId, cancellationToken).ConfigureAwait(false)
                    ?? throw NotFound(current.Values.First(i => i.CubeId == cubeId).Id);
                CubeAccessPolicy.Demand(cube, actor, CubeAccess.Write);
            }
        }

        return current;
    }
}
