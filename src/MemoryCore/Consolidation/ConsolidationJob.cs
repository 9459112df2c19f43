using AgentMem.MemoryCore.Facts;
using AgentMem.MemoryCore.Links;

namespace AgentMem.MemoryCore.Consolidation;

/// <summary>Options of <see cref="ConsolidationJob"/>.</summary>
public sealed record ConsolidationOptions
{
    /// <summary>
    /// Term Jaccard (see <see cref="FactText.ContentTerms"/>) at or above which two memories are near-duplicates
    /// (default 0.8: one extra term on four shared ones, e.g. a sentence restated with "on Monday" added).
    /// </summary>
    public double Similarity { get; init; } = 0.8;

    /// <summary>
    /// Lower Jaccard that suffices when both memories carry the same keywords (at least two, compared
    /// case-insensitively), since then the note extractor already judged them to be about the same thing (default 0.5).
    /// </summary>
    public double SimilarityWithSameKeywords { get; init; } = 0.5;

    /// <summary>Memories with fewer content terms are never merged: short ones ("ok", "thanks") say too little to compare (default 3).</summary>
    public int MinTerms { get; init; } = 3;

    /// <summary>
    /// Largest difference of event start (<see cref="MemoryItem.ValidFrom"/>) between two memories merged
    /// (default one day): the same words about different days are different events.
    /// </summary>
    public TimeSpan MaxEventGap { get; init; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Memories with any of these tags are left alone (default <c>turn</c>, the agent's verbatim conversation log, and
    /// <c>core-block</c>: a block merged into a fuller near-duplicate was superseded, and the survivor took its tags).
    /// </summary>
    public IReadOnlyList<string> ExcludeTags { get; init; } = ["turn", "core-block"];
}

/// <summary>
/// <c>consolidation</c>: merges near-duplicate active memories of a cube. Two plaintext memories by the same
/// actor, user and agent and of the same polarity (both negated or neither), with event starts within <see cref="ConsolidationOptions.MaxEventGap"/>, are near-duplicates when
/// their normalised content terms have a Jaccard similarity of at least <see cref="ConsolidationOptions.Similarity"/>
/// (or <see cref="ConsolidationOptions.SimilarityWithSameKeywords"/> when their keywords are identical).
/// The survivor is the one with more content (more terms; on a tie, the newer). The other becomes
/// <see cref="LifecycleState.Superseded"/> with the reason and a <see cref="LinkTypes.SupersededBy"/> link, its
/// event interval untouched; the survivor gets a new version with a <see cref="LinkTypes.Supersedes"/> link
/// to it, the union of both memories' tags and keywords, the higher importance, the earlier event start and the recalls of
/// both (the larger strength, the later last recall, the summed recall count: the fact was in use through either copy).
/// The absorbed memory keeps its own provenance, reachable through that link. Frozen memories are left alone.
/// Counters: <c>examined</c>, <c>pairs</c> (compared), <c>merged</c>, <c>conflicts</c>.
/// Progress: <see cref="MaintenanceProgress.Done"/> counts the memories listed, every 200 (total not yet known), then,
/// unless a dry run, also the near-duplicate pairs walked, as each batch of merges commits, out of a total of both.
/// </summary>
public sealed class ConsolidationJob : IMaintenanceJob
{
    /// <summary>The job's name.</summary>
    public const string JobName = "consolidation";

    // Pairs walked per transaction (each merge writes two versions).
    private const int PairsPerBatch = 250;

    private const int ProgressEvery = 200;

    private readonly ConsolidationOptions options;

    /// <summary>Creates the job.</summary>
    public ConsolidationJob(ConsolidationOptions? options = null)
    {
        this.options = options ?? new ConsolidationOptions();
        if (this.options.Similarity is <= 0 or > 1 || this.options.SimilarityWithSameKeywords is <= 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Similarities are in (0, 1].");
        }
    }

    /// <inheritdoc/>
    public string Name => JobName;

    /// <inheritdoc/>
    public string Description => "Merge near-duplicate memories (normalised-term Jaccard); the fuller one survives, the other is superseded and linked.";

    /// <inheritdoc/>
    public async Task<MaintenanceJobResult> RunAsync(MaintenanceContext context, IProgress<MaintenanceProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var run = new MaintenanceRun(Name, context, progress, "examined", "pairs", "merged", "conflicts");
        var items = new List<MemoryItem>();
        var terms = new List<HashSet<string>>();
        var filter = new MemoryFilter { States = [LifecycleState.Active], Kind = MemoryKind.Plaintext };
        await foreach (var item in context.Memory.ListAsync(context.Actor, context.Cube.Id, filter, cancellationToken).ConfigureAwait(false))
        {
            run.Counters.Add("examined");
            if (item.Tags.Any(t => options.ExcludeTags.Contains(t, StringComparer.OrdinalIgnoreCase)))
            {
                continue;
            }

            var t = FactText.ContentTerms(item.Text);
            if (t.Count >= options.MinTerms)
            {
                items.Add(item);
                terms.Add(t);
            }

            if (run.Counters["examined"] % ProgressEvery == 0)
            {
                run.Report(run.Counters["examined"], null);
            }
        }

        // Then the pairs, walked and written a batch at a time: each batch is reported as it commits, out of a total of
        // the memories listed and the pairs found (never at the total before the end, so a bar does not read done while
        // the merges are written).
        var pairs = FindPairs(items, terms, run.Counters, cancellationToken);
        int examined = run.Counters["examined"];
        int total = context.DryRun ? examined : examined + pairs.Count;
        if (!context.DryRun && pairs.Count > 0)
        {
            run.Report(examined, total);
        }

        // Merges are planned a batch of pairs at a time and each batch is written in one transaction. When a batch meets
        // a memory changed since it was listed, it is walked again from the state before it, one merge per transaction,
        // so the merges that fail are skipped exactly as a one-at-a-time run would skip them.
        var state = new MergeState([], []);
        for (int from = 0; from < pairs.Count; from += PairsPerBatch)
        {
            var batch = pairs.GetRange(from, Math.Min(PairsPerBatch, pairs.Count - from));
            var before = state.Copy();
            var merges = await WalkAsync(context, items, terms, batch, state, oneByOne: false, run, cancellationToken).ConfigureAwait(false);
            if (!context.DryRun && merges.Count > 0)
            {
                try
                {
                    await WriteAsync(context, items, merges, cancellationToken).ConfigureAwait(false);
                }
                catch (AgentMemException ex) when (ChangedMeanwhile.Is(ex))
                {
                    state = before;
                    merges = await WalkAsync(context, items, terms, batch, state, oneByOne: true, run, cancellationToken).ConfigureAwait(false);
                }
            }

            foreach (var merge in merges)
            {
                run.Counters.Add("merged");
                run.Act("merge", items[merge.Drop].Id, items[merge.Keep].Id, merge.Reason);
            }

            int walked = from + batch.Count;
            if (!context.DryRun && walked < pairs.Count)
            {
                run.Report(examined + walked, total);
            }
        }

        run.Report(total, total);
        return run.Result();
    }

    /// <summary>
    /// Every pair at or above its similarity threshold, found by prefix filtering (as in All-Pairs, Bayardo et al. 2007):
    /// each memory's terms are ordered rarest first across the cube, and two term sets with Jaccard ≥ t share a term
    /// among the first |x| − ⌈t·|x|⌉ + 1 of each, so only those prefixes are indexed and only memories sharing a prefix
    /// term are compared. A memory with two or more keywords may merge at the lower same-keywords threshold, so its prefix
    /// is cut for that one: longer, so it still covers every pair the higher threshold needs. Exact, however common the
    /// terms, and near-linear on real text, where a rare term leads each prefix (comparing every pair that shared any term
    /// grew with the square of the cube).
    /// </summary>
    internal List<(int I, int J, double Similarity)> FindPairs(List<MemoryItem> items, List<HashSet<string>> terms, MaintenanceCounters counters, CancellationToken cancellationToken)
    {
        var frequency = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var set in terms)
        {
            foreach (var term in set)
            {
                frequency[term] = frequency.GetValueOrDefault(term) + 1;
            }
        }

        double high = options.Similarity;
        double low = Math.Min(options.Similarity, options.SimilarityWithSameKeywords);
        var prefixPostings = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var found = new List<(int, int, double)>();
        var seen = new HashSet<int>();
        for (int i = 0; i < items.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var ordered = terms[i].OrderBy(t => frequency[t]).ThenBy(t => t, StringComparer.Ordinal).ToArray();
            var prefix = ordered.AsSpan(0, PrefixLength(ordered.Length, items[i].Keywords.Count >= 2 ? low : high));
            seen.Clear();
            foreach (var term in prefix)
            {
                if (!prefixPostings.TryGetValue(term, out var earlier))
                {
                    continue;
                }

                foreach (int j in earlier)
                {
                    if (!seen.Add(j) || !Comparable(items[j], items[i]))
                    {
                        continue;
                    }

                    counters.Add("pairs");
                    double similarity = FactText.Jaccard(terms[j], terms[i]);
                    double needed = SameKeywords(items[j], items[i]) ? low : high;
                    if (similarity >= needed)
                    {
                        found.Add((j, i, similarity));
                    }
                }
            }

            foreach (var term in prefix)
            {
                if (!prefixPostings.TryGetValue(term, out var list))
                {
                    prefixPostings[term] = list = [];
                }

                list.Add(i);
            }
        }

        // Most similar first; ties in id order, so runs are reproducible.
        return [.. found.OrderByDescending(p => p.Item3).ThenBy(p => p.Item1).ThenBy(p => p.Item2)];
    }

    /// <summary>How many of a set's <paramref name="size"/> rarest terms any set at Jaccard ≥ <paramref name="threshold"/> with it must share one of.</summary>
    internal static int PrefixLength(int size, double threshold) =>
        Math.Clamp(size - (int)Math.Ceiling((threshold * size) - 1e-9) + 1, Math.Min(1, size), size);

    private bool Comparable(MemoryItem a, MemoryItem b)
    {
        // The actor names the speaker only within a conversation (the agent records every user's facts as "user"):
        // in a shared cube the same words of two users or agents are two memories, as the store's de-duplication has them.
        if (!string.Equals(a.Provenance.Actor, b.Provenance.Actor, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(a.Scope.User, b.Scope.User, StringComparison.Ordinal)
            || !string.Equals(a.Scope.Agent, b.Scope.Agent, StringComparison.Ordinal))
        {
            return false;
        }

        // Content terms drop negation words, so "went to Paris" and "never went to Paris" look alike: never merge them.
        if (FactText.IsNegated(a.Text) != FactText.IsNegated(b.Text))
        {
            return false;
        }

        var ta = a.ValidFrom ?? a.Provenance.RecordedAt;
        var tb = b.ValidFrom ?? b.Provenance.RecordedAt;
        return (ta - tb).Duration() <= options.MaxEventGap;
    }

    private static bool SameKeywords(MemoryItem a, MemoryItem b) =>
        a.Keywords.Count >= 2 && a.Keywords.Count == b.Keywords.Count
        && a.Keywords.ToHashSet(StringComparer.OrdinalIgnoreCase).SetEquals(b.Keywords);

    private static (int Keep, int Drop) Survivor(List<MemoryItem> items, List<HashSet<string>> terms, int i, int j)
    {
        if (terms[i].Count != terms[j].Count)
        {
            return terms[i].Count > terms[j].Count ? (i, j) : (j, i);
        }

        // As many terms: the newer wins, whatever the length ("gate 7" corrects "gate 12"). Ids are time-ordered: the larger is the newer.
        return items[i].Id.CompareTo(items[j].Id) > 0 ? (i, j) : (j, i);
    }

    /// <summary>
    /// The merges of <paramref name="pairs"/>, most similar first: a memory absorbed is not merged again and one that absorbed
    /// another is not absorbed (chains stay one level deep). With <paramref name="oneByOne"/>, each merge is written as it is
    /// decided and one that meets a changed memory is counted as a conflict and skipped.
    /// </summary>
    private static async Task<List<Merge>> WalkAsync(MaintenanceContext context, List<MemoryItem> items, List<HashSet<string>> terms, List<(int I, int J, double Similarity)> pairs, MergeState state, bool oneByOne, MaintenanceRun run, CancellationToken cancellationToken)
    {
        var merges = new List<Merge>();
        foreach (var (i, j, similarity) in pairs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (state.Absorbed.Contains(i) || state.Absorbed.Contains(j))
            {
                continue;
            }

            var (keep, drop) = Survivor(items, terms, i, j);
            if (state.Survivors.Contains(drop))
            {
                continue;
            }

            var merge = new Merge(keep, drop, string.Create(CultureInfo.InvariantCulture, $"consolidated into {items[keep].Id}: near-duplicate (term similarity {similarity:0.00})"));
            if (oneByOne && !context.DryRun)
            {
                try
                {
                    await WriteAsync(context, items, [merge], cancellationToken).ConfigureAwait(false);
                }
                catch (AgentMemException ex) when (ChangedMeanwhile.Is(ex))
                {
                    run.Counters.Add("conflicts");
                    continue;
                }
            }

            state.Absorbed.Add(drop);
            state.Survivors.Add(keep);
            merges.Add(merge);
        }

        return merges;
    }

    /// <summary>
    /// Writes <paramref name="merges"/> in one transaction: each absorbed memory is superseded (linked to its survivor, its
    /// event interval kept), then its survivor, as the earlier merges of the batch left it, gets the absorbed one's tags,
    /// keywords, the higher importance, the earlier event start, the link back and its recall history (the larger strength,
    /// the later last recall and both recall counts).
    /// </summary>
    private static async Task WriteAsync(MaintenanceContext context, List<MemoryItem> items, List<Merge> merges, CancellationToken cancellationToken)
    {
        var memory = context.Memory;
        var ids = merges.SelectMany(m => new[] { items[m.Drop].Id, items[m.Keep].Id }).ToList();

        // Each memory must be as listed (or as this batch's earlier merges left it): the pair was judged on that text. An
        // edit, archive or supersede since then made the merge absorb new content as a duplicate, or update a memory no
        // longer live; the write's version check covers only its own read.
        var expected = new Dictionary<MemoryId, int>();
        foreach (var merge in merges)
        {
            expected.TryAdd(items[merge.Drop].Id, items[merge.Drop].Version);
            expected.TryAdd(items[merge.Keep].Id, items[merge.Keep].Version);
        }

        var after = await memory.WriteVersionsAsync(context.Actor, ids, "memory.consolidate", (step, current, now) =>
        {
            if (current.Version != expected[current.Id])
            {
                throw new MemoryStateException($"Memory {current.Id} changed since the consolidation listed it (version {current.Version}, listed at {expected[current.Id]}).");
            }

            var planned = Plan(step, current, now);
            if (planned is { } write)
            {
                expected[current.Id] = write.Next.Version;
            }

            return planned;
        }, cancellationToken).ConfigureAwait(false);

        // The run goes on from what it wrote: a survivor absorbs the next near-duplicate at its new version, in a later
        // batch or a one-by-one redo, not as a memory changed by someone else.
        for (int step = 0; step < after.Count; step++)
        {
            var merge = merges[step / 2];
            items[step % 2 == 0 ? merge.Drop : merge.Keep] = after[step];
        }

        MemoryOS.VersionPlan? Plan(int step, MemoryItem current, DateTimeOffset now)
        {
            var merge = merges[step / 2];
            var drop = items[merge.Drop];
            if (step % 2 == 0)
            {
                return MemoryOS.Superseding(current, merge.Reason, [new MemoryLink(items[merge.Keep].Id, LinkTypes.SupersededBy)], validTo: null, keepValidity: true, now);
            }

            DateTimeOffset? start = current.ValidFrom is { } a && drop.ValidFrom is { } b ? (a < b ? a : b) : current.ValidFrom ?? drop.ValidFrom;
            var change = new MemoryChange
            {
                Tags = [.. current.Tags.Union(drop.Tags, StringComparer.OrdinalIgnoreCase)],
                Keywords = [.. current.Keywords.Union(drop.Keywords, StringComparer.OrdinalIgnoreCase)],
                Importance = Math.Max(current.Importance, drop.Importance),
                ValidFrom = current.ValidTo is { } end && start > end ? current.ValidFrom : start,
                Links = [.. current.Links, new MemoryLink(drop.Id, LinkTypes.Supersedes)],
                Reason = $"consolidated: absorbed near-duplicate {drop.Id}",
            };

            // The fact was recalled through either copy: the survivor takes over the absorbed one's recalls (in the same
            // transaction, from the counters as stored), or a survivor never recalled itself was archived by the next
            // forgetting run while its recalled duplicate lay superseded.
            return memory.Updating(current, change, now) is { } update ? update with { AbsorbsRecallsOf = drop.Id } : null;
        }
    }


    /// <summary>One merge: <see cref="Keep"/> absorbs <see cref="Drop"/> (indexes into the listed memories).</summary>
    private sealed record Merge(int Keep, int Drop, string Reason);

    /// <summary>Which listed memories were absorbed and which absorbed another, so far in the run.</summary>
    private sealed record MergeState(HashSet<int> Absorbed, HashSet<int> Survivors)
    {
        public MergeState Copy() => new([.. Absorbed], [.. Survivors]);
    }
}
