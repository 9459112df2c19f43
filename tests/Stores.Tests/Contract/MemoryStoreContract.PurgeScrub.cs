using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.Stores.Common;

namespace AgentMem.Stores.Tests.Contract;

/// <summary>
/// What a purge leaves in the memories it keeps: no link to the purged memory in any version snapshot, no reason naming it,
/// no audit detail about or naming it (redacted, the one change the audit log allows), and how derivations are found.
/// </summary>
public abstract partial class MemoryStoreContract
{
    private const string SharedWord = "quokkavault";

    [SkippableFact]
    public async Task A_purge_strips_the_memory_from_neighbours_snapshots_and_redacts_reasons_and_audit_details_naming_it()
    {
        await using var s = await StartAsync();
        var notes = await s.CreateCubeAsync("notes");
        var gone = await s.AddAsync(notes, $"the {SharedWord} code is 4417");
        gone = await s.ReplaceAsync(gone, m => m with { Text = $"the {SharedWord} code is 4418" }, reason: $"fixed the {SharedWord} digit");
        var other = await s.AddAsync(notes, "an unrelated note");
        var neighbour = await s.AddAsync(notes, "a neighbour note");
        neighbour = await s.ReplaceAsync(neighbour, m => m with { Text = "a neighbour note, edited" }, reason: "plain edit");
        neighbour = await s.ReplaceAsync(
            neighbour,
            m => m with { Links = [new MemoryLink(gone.Id, "related", 0.8, $"shares {SharedWord}"), new MemoryLink(other.Id, "related", 0.5, "shares note")] },
            reason: $"evolved: linked from {gone.Id} (related; shares {SharedWord})");
        neighbour = await s.ReplaceAsync(neighbour, m => m with { Importance = 0.9 }, reason: "reweighed");
        int auditBefore = (await s.Store.ReadAuditAsync(s.Tenant)).Count;

        Assert.True(await s.Store.PurgeAsync(s.Tenant, gone.Id, s.Audit("purge", notes.Id, gone.Id, gone.Version, "requested")));

        var history = await s.Store.GetHistoryAsync(s.Tenant, neighbour.Id);
        Assert.Equal(4, history.Count);
        Assert.All(history, v => Assert.DoesNotContain(v.Links, l => l.Target == gone.Id));
        Assert.All(history, v => Assert.DoesNotContain(SharedWord, v.StateReason ?? string.Empty, StringComparison.Ordinal));
        Assert.Equal("plain edit", history[0].StateReason);
        Assert.Equal(PurgedReferences.RedactedReason, history[1].StateReason);
        Assert.Equal([other.Id], history[2].Links.Select(l => l.Target));
        Assert.Equal("shares note", history[2].Links[0].Reason);
        Assert.Equal("reweighed", history[2].StateReason);
        Assert.Equal([other.Id], history[3].Links.Select(l => l.Target));

        var trail = await s.Store.ReadAuditAsync(s.Tenant);
        Assert.Equal(auditBefore + 1, trail.Count);
        Assert.DoesNotContain(trail, a => (a.Detail ?? string.Empty).Contains(SharedWord, StringComparison.Ordinal));
        Assert.All(trail.Where(a => a.MemoryId == gone.Id.ToString() && a.Action != "purge"), a => Assert.True(a.Detail is null or AuditRecord.RedactedDetail, a.Detail));
        Assert.Equal(AuditRecord.RedactedDetail, Assert.Single(trail, a => a.MemoryId == neighbour.Id.ToString() && a.Version == 3).Detail);
        Assert.Equal(["plain edit", "reweighed"], trail.Where(a => a.MemoryId == neighbour.Id.ToString() && a.Version is 2 or 4).Select(a => a.Detail));
        Assert.Equal(("purge", "requested"), (trail[^1].Action, trail[^1].Detail));
    }

    [SkippableFact]
    public async Task Link_sources_are_the_memories_linking_to_the_targets_by_the_given_types_or_any_in_any_state_and_cube_of_the_tenant()
    {
        await using var s = await StartAsync();
        var notes = await s.CreateCubeAsync("notes");
        var cache = await s.CreateCubeAsync("cache");
        var source = await s.AddAsync(notes, "a source note");
        var summary = await s.AddAsync(notes, "a summary", m => m with { Links = [new MemoryLink(source.Id, "derived-from")] });
        var archived = await s.AddAsync(cache, "an encoded cartridge", m => m with { Links = [new MemoryLink(source.Id, "encodes")] });
        archived = await s.SetStateAsync(archived, LifecycleState.Archived, "cold");
        var related = await s.AddAsync(notes, "merely related", m => m with { Links = [new MemoryLink(source.Id, "related")] });
        var elsewhere = await s.CreateCubeAsync("notes", tenant: StoreScenario.NewTenant());
        await s.AddAsync([s.Item(elsewhere, "another tenant's note") with { Links = [new MemoryLink(source.Id, "related")] }]);

        var found = await s.Store.FindLinkSourcesAsync(s.Tenant, [source.Id, summary.Id], ["encodes", "derived-from"]);

        Assert.Equal(new[] { summary.Id, archived.Id }.Order(), found.Order());
        Assert.Empty(await s.Store.FindLinkSourcesAsync(s.Tenant, [summary.Id], ["encodes", "derived-from"]));
        Assert.Empty(await s.Store.FindLinkSourcesAsync(s.Tenant, [source.Id], []));

        // No types: every memory pointing to the target, as its current version links; an unlinked one drops out.
        Assert.Equal(new[] { summary.Id, archived.Id, related.Id }.Order(), (await s.Store.FindLinkSourcesAsync(s.Tenant, [source.Id], null)).Order());
        await s.ReplaceAsync(related, m => m with { Links = [] }, "unlinked");
        Assert.Equal(new[] { summary.Id, archived.Id }.Order(), (await s.Store.FindLinkSourcesAsync(s.Tenant, [source.Id], null)).Order());
    }

    [SkippableFact]
    public async Task A_replace_written_from_a_read_taken_before_a_purge_does_not_bring_back_the_link_to_the_purged_memory()
    {
        await using var s = await StartAsync();
        var notes = await s.CreateCubeAsync("notes");
        var gone = await s.AddAsync(notes, $"the {SharedWord} cabin at tahoe");
        var newcomer = await s.AddAsync(notes, "a new neighbour");
        var note = await s.AddAsync(notes, "a note", m => m with { Links = [new MemoryLink(gone.Id, "related", 0.8, $"shares {SharedWord}")] });
        var stale = note; // a writer (a note keeper evolving its neighbours) read it, then took its time

        Assert.True(await s.PurgeAsync(gone));
        var (superseded, next) = s.NextVersion(stale, m => m with { Links = [.. m.Links, new MemoryLink(newcomer.Id, "related", 0.5, "shares neighbour")] });
        await s.Store.ReplaceAsync(s.Tenant, superseded, next, s.Audit("update", notes.Id, note.Id, next.Version));

        Assert.Equal([newcomer.Id], (await s.Store.GetAsync(s.Tenant, note.Id))!.Links.Select(l => l.Target));
        Assert.Empty(await s.Store.FindLinkSourcesAsync(s.Tenant, [gone.Id], null));
        var history = await s.Store.GetHistoryAsync(s.Tenant, note.Id);
        Assert.Equal(2, history.Count);
        Assert.All(history, v => Assert.DoesNotContain(v.Links, l => l.Target == gone.Id || (l.Reason ?? string.Empty).Contains(SharedWord, StringComparison.Ordinal)));
    }

    [SkippableFact]
    public async Task A_replace_keeping_the_links_of_a_read_taken_before_a_purge_does_not_bring_back_the_link_to_the_purged_memory()
    {
        await using var s = await StartAsync();
        var notes = await s.CreateCubeAsync("notes");
        var gone = await s.AddAsync(notes, $"the {SharedWord} cabin at tahoe");
        var note = await s.AddAsync(notes, "a note", m => m with { Links = [new MemoryLink(gone.Id, "related", 0.8, $"shares {SharedWord}")] });
        var stale = note;

        Assert.True(await s.PurgeAsync(gone));
        var (superseded, next) = s.NextVersion(stale, m => m with { Importance = 0.9 });
        await s.Store.ReplaceAsync(s.Tenant, superseded, next, s.Audit("update", notes.Id, note.Id, next.Version));

        var current = (await s.Store.GetAsync(s.Tenant, note.Id))!;
        Assert.Equal(0.9, current.Importance);
        Assert.Empty(current.Links);
        Assert.Empty(await s.Store.FindLinkSourcesAsync(s.Tenant, [gone.Id], null));
        Assert.All(await s.Store.GetHistoryAsync(s.Tenant, note.Id), v => Assert.DoesNotContain(v.Links, l => l.Target == gone.Id));
    }

    [SkippableFact]
    public async Task An_add_drops_links_to_memories_not_in_the_tenant_and_keeps_links_within_its_batch()
    {
        await using var s = await StartAsync();
        var notes = await s.CreateCubeAsync("notes");
        var gone = await s.AddAsync(notes, $"the {SharedWord} cabin at tahoe");
        var kept = await s.AddAsync(notes, "a kept note");
        Assert.True(await s.PurgeAsync(gone));

        // A note linked from a read taken before the purge; a summary linking forward to a memory later in its batch.
        var note = s.Item(notes, "a note") with { Links = [new MemoryLink(gone.Id, "related", 0.8, $"shares {SharedWord}"), new MemoryLink(kept.Id, "related")] };
        var evidence = s.Item(notes, "the evidence");
        var summary = s.Item(notes, "a summary") with { Links = [new MemoryLink(evidence.Id, "derived-from"), new MemoryLink(note.Id, "derived-from")] };
        await s.AddAsync([note, summary, evidence]);

        Assert.Equal([kept.Id], (await s.Store.GetAsync(s.Tenant, note.Id))!.Links.Select(l => l.Target));
        Assert.Empty(await s.Store.FindLinkSourcesAsync(s.Tenant, [gone.Id], null));
        Assert.Equal([evidence.Id, note.Id], (await s.Store.GetAsync(s.Tenant, summary.Id))!.Links.Select(l => l.Target));
    }

    [SkippableTheory]
    [InlineData("derived-from")]
    [InlineData("encodes")]
    public async Task An_add_of_what_was_derived_from_a_memory_not_in_the_tenant_is_refused_and_stores_nothing(string type)
    {
        await using var s = await StartAsync();
        var notes = await s.CreateCubeAsync("notes");
        var gone = await s.AddAsync(notes, $"the {SharedWord} cabin at tahoe");
        var kept = await s.AddAsync(notes, "a kept note");
        Assert.True(await s.PurgeAsync(gone)); // purged while the summary was being built from it

        var summary = s.Item(notes, $"summary: the {SharedWord} cabin") with { Links = [new MemoryLink(kept.Id, type), new MemoryLink(gone.Id, type)] };
        var other = s.Item(notes, "another note in the batch");
        await Assert.ThrowsAsync<MemoryStateException>(() => s.AddAsync([other, summary]));

        Assert.Empty(await s.Store.GetManyAsync(s.Tenant, [summary.Id, other.Id]));
        Assert.Empty(await s.Store.FindLinkSourcesAsync(s.Tenant, [kept.Id, gone.Id], null));
    }
}
