using AgentMem.MemoryCore;

namespace AgentMem.Retrieval.Context;

/// <summary>
/// Builds a token-budgeted context. When the whole cube fits (its rendered text counted whole), it returns everything: on short
/// histories the full context beats any retrieval (as the ConvoMem study found). Otherwise it takes the
/// best-ranked memories that fit, and renders them grouped by session and ordered by time, with dates; a long memory
/// found by one of its passages is given as that passage (<see cref="ContextOptions.Passages"/>). The cube is read only
/// as far as the budget, so a build over a large cube costs about one search plus a count. Building records no recall
/// (whichever way it goes, and whatever <see cref="MemoryOSOptions.ReinforceOnSearch"/> says): its search ranks candidates
/// the budget may then drop, so the caller reinforces what its reader used (as <c>MemoryAgent</c> does).
/// </summary>
public static class ContextBuilder
{
    /// <summary>Builds the context for <paramref name="query"/> from the cube's memories.</summary>
    public static async Task<BuiltContext> BuildContextAsync(this MemoryOS memory, Scope actor, string cube, string query, ContextOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(memory);
        options ??= new ContextOptions();
        options.Validate();

        // Checked as the search would, before knowing whether it runs: otherwise a request that works on a small cube
        // (returned whole, the query unused) starts failing once the cube outgrows the budget.
        _ = memory.ResolveRetrieverName(options.Retriever);

        MemoryCore.Validation.ContentRules.ValidateQuery(query, memory.Options.MaxQueryBytes);

        // The cube's own budget, when its policy sets one, caps the caller's: every host builds within it.
        options = options.CappedAt((await memory.OpenCubeAsync(actor, cube, cancellationToken).ConfigureAwait(false)).Policy.ContextTokenBudget);
        // The cube is read only while it may still fit whole: past the budget the search picks, and the cube's size is
        // counted by the store, so an agent's turn does not read a large cube from the first memory to the last.
        var all = new List<MemoryItem>();
        long allTokens = 0;
        int excluded = 0;
        bool fits = true;
        (string Text, int Tokens, List<MemoryItem> Ordered)? counted = null; // the rendering of all, when it was counted since the last read
        await foreach (var item in memory.ListAsync(actor, cube, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (options.Excludes(item))
            {
                excluded++;
                continue;
            }

            all.Add(item);
            counted = null;

            // Each line is counted with its newline, as Select counts it: o200k and cl100k join a line's closing "." with
            // the newline, so a line plus one token over-counted every memory, and a cube that fit went to the search. Lines
            // counted apart need not add up to their text (a tokenizer may join pieces across a newline, an estimate rounds
            // each up), so a sum over the budget is checked on the text itself, and reading goes on from the text's count
            // while it fits: only the rendered text decides that the cube does not fit. It is counted again only once the
            // lines read since pass the budget anew, which is rare: the sum is exact for lines that do not join.
            allTokens += options.TokenCounter.CountTokens(Line(item, item.Text) + "\n");
            if (allTokens > options.TokenBudget)
            {
                var read = Render(all.Select(i => (i, i.Text)).ToList(), options);
                if (read.Tokens > options.TokenBudget)
                {
                    fits = false;
                    break;
                }

                allTokens = read.Tokens;
                counted = read;
            }
        }

        if (fits)
        {
            var whole = counted ?? Render(all.Select(i => (i, i.Text)).ToList(), options);
            if (whole.Tokens <= options.TokenBudget)
            {
                return new BuiltContext(whole.Text, whole.Tokens, whole.Ordered, all.Count, IsComplete: true);
            }
        }

        var (cubeMemories, excludedMemories) = fits ? (all.Count, excluded) : await CountIncludedAsync(memory, actor, cube, options, cancellationToken).ConfigureAwait(false);
        var candidates = await SearchCandidatesAsync(memory, actor, cube, query, options, excludedMemories, cancellationToken).ConfigureAwait(false);
        return Select(candidates, cubeMemories, options);
    }

    /// <summary>
    /// The best <see cref="ContextOptions.Candidates"/> hits (at most <see cref="MemoryOSOptions.MaxSearchK"/>) that the
    /// options do not exclude, with the cube's <paramref name="excludedMemories"/> excluded live memories.
    /// </summary>
    /// <remarks>
    /// The search's filter cannot leave memories out by id or tag, so excluded memories take places in its top k: core
    /// blocks and the sources of parametric memory are often the very best matches, and skipping them afterwards left
    /// the context empty while other memories matched. Where they did, the search runs once more, wider by every
    /// excluded memory of the cube, which is then sure to hold the candidates; a first search with no excluded hit (the
    /// usual case) costs what it did.
    /// </remarks>
    private static async Task<List<SearchHit>> SearchCandidatesAsync(MemoryOS memory, Scope actor, string cube, string query, ContextOptions options, int excludedMemories, CancellationToken cancellationToken)
    {
        int maxK = memory.Options.MaxSearchK;
        int k = Math.Min(options.Candidates, maxK);
        var hits = await SearchAsync(k).ConfigureAwait(false);
        var kept = hits.Where(h => !options.Excludes(h.Item)).ToList();
        int wider = (int)Math.Min((long)options.Candidates + excludedMemories, maxK);

        // Only where excluded hits took places and the search was cut at k: fewer hits than asked for are every match.
        if (kept.Count < options.Candidates && kept.Count < hits.Count && hits.Count == k && wider > k)
        {
            hits = await SearchAsync(wider).ConfigureAwait(false);
            kept = hits.Where(h => !options.Excludes(h.Item)).ToList();
        }

        return kept.Count > options.Candidates ? kept.GetRange(0, options.Candidates) : kept;

        Task<IReadOnlyList<SearchHit>> SearchAsync(int take) =>
            memory.SearchAsync(actor, cube, query, new MemoryCore.Search.SearchOptions { K = take, Retriever = options.Retriever, RecordRecall = false }, cancellationToken);
    }

    /// <summary>
    /// The live memories of the cube that <paramref name="options"/> do not exclude, and those they do, without reading
    /// the cube: the store counts the live ones and those with an excluded tag; the excluded ids are looked up one by one.
    /// </summary>
    private static async Task<(int Included, int Excluded)> CountIncludedAsync(MemoryOS memory, Scope actor, string cube, ContextOptions options, CancellationToken cancellationToken)
    {
        long live = await memory.CountAsync(actor, cube, cancellationToken: cancellationToken).ConfigureAwait(false);
        long included = live;
        if (options.ExcludeTags.Count > 0)
        {
            included -= await memory.CountAsync(actor, cube, new MemoryFilter { AnyTags = [.. options.ExcludeTags] }, cancellationToken).ConfigureAwait(false);
        }

        if (options.ExcludeIds.Count > 0)
        {
            string cubeId = (await memory.OpenCubeAsync(actor, cube, cancellationToken).ConfigureAwait(false)).Id;
            foreach (var id in options.ExcludeIds.Distinct())
            {
                MemoryItem item;
                try
                {
                    item = await memory.GetAsync(actor, id, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is MemoryNotFoundException or AccessDeniedException)
                {
                    continue; // not a memory the list would have shown
                }

                if (item.CubeId == cubeId && MemoryFilter.LiveStates.Contains(item.State) && !options.ExcludesByTag(item))
                {
                    included--;
                }
            }
        }

        return ((int)included, (int)(live - included));
    }

    /// <summary>Picks ranked hits greedily until the budget is spent (headers included), then renders them.</summary>
    /// <remarks>
    /// A candidate's cost is counted on its own line and, when it opens a session or becomes its earliest memory, on that
    /// session's header: a rendered context is its headers and lines, each ending in a newline and starting with a non-space
    /// character, and the tokenizers shipped (tiktoken, WordPiece, byte-level BPE, the heuristic) count such pieces the same
    /// apart as together, so each candidate costs its own tokens instead of a recount of the whole context. The chosen context
    /// is counted once as a whole; where a counter's pieces did not add up (o200k can merge a line's closing punctuation with
    /// a next line that starts with "/"), the selection is redone by counting every attempt whole, so the budget and the
    /// choice are always those of the exact count.
    /// </remarks>
    public static BuiltContext Select(IReadOnlyList<SearchHit> ranked, int cubeMemories, ContextOptions options) =>
        Select(ranked, cubeMemories, options, out _);

    /// <summary><see cref="Select(IReadOnlyList{SearchHit}, int, ContextOptions)"/>, saying whether the pieces' counts did not add up.</summary>
    internal static BuiltContext Select(IReadOnlyList<SearchHit> ranked, int cubeMemories, ContextOptions options, out bool countedWhole)
    {
        ArgumentNullException.ThrowIfNull(ranked);
        ArgumentNullException.ThrowIfNull(options);
        var counter = options.TokenCounter;
        var chosen = new List<(MemoryItem, string)>();
        var sessions = new Dictionary<string, (MemoryItem First, int HeaderTokens)>(StringComparer.Ordinal);
        long tokens = 0;
        foreach (var hit in ranked)
        {
            if (options.Excludes(hit.Item))
            {
                continue;
            }

            string shown = options.Passages ? hit.MarkedExcerpt : hit.Item.Text;
            string session = SessionKey(hit.Item);
            bool heads = !sessions.TryGetValue(session, out var open) || RendersBefore(hit.Item, open.First); // open is (null, 0) when new
            int headerTokens = heads ? counter.CountTokens(Header(hit.Item)) : open.HeaderTokens;
            long cost = counter.CountTokens(Line(hit.Item, shown) + "\n") + headerTokens - open.HeaderTokens;
            if (tokens + cost > options.TokenBudget)
            {
                continue; // too big: skip it, a smaller one may still fit
            }

            tokens += cost;
            if (heads)
            {
                sessions[session] = (hit.Item, headerTokens);
            }

            chosen.Add((hit.Item, shown));
        }

        var rendered = chosen.Count == 0 ? (Text: string.Empty, Tokens: 0, Ordered: new List<MemoryItem>()) : Render(chosen, options);
        countedWhole = rendered.Tokens != tokens;
        if (countedWhole)
        {
            return SelectCountingWhole(ranked, cubeMemories, options);
        }

        return new BuiltContext(rendered.Text, rendered.Tokens, rendered.Ordered, cubeMemories, IsComplete(chosen, cubeMemories));
    }

    // Nothing left out: every memory of the cube, each whole (a memory given as one of its passages is not all of it).
    private static bool IsComplete(List<(MemoryItem Item, string Shown)> chosen, int cubeMemories) =>
        chosen.Count == cubeMemories && cubeMemories > 0 && chosen.All(c => string.Equals(c.Shown, c.Item.Text, StringComparison.Ordinal));

    /// <summary>
    /// <see cref="Select(IReadOnlyList{SearchHit}, int, ContextOptions)"/> by counting the whole context at every attempt: the reference the piecewise count must agree with,
    /// and the fallback for a counter whose pieces do not add up. Quadratic in the candidates.
    /// </summary>
    internal static BuiltContext SelectCountingWhole(IReadOnlyList<SearchHit> ranked, int cubeMemories, ContextOptions options)
    {
        var chosen = new List<(MemoryItem, string)>();
        (string Text, int Tokens, List<MemoryItem> Ordered) rendered = (string.Empty, 0, []);
        foreach (var hit in ranked)
        {
            if (options.Excludes(hit.Item))
            {
                continue;
            }

            chosen.Add((hit.Item, options.Passages ? hit.MarkedExcerpt : hit.Item.Text));
            var attempt = Render(chosen, options);
            if (attempt.Tokens > options.TokenBudget)
            {
                chosen.RemoveAt(chosen.Count - 1);
                continue;
            }

            rendered = attempt;
        }

        return new BuiltContext(rendered.Text, rendered.Tokens, rendered.Ordered, cubeMemories, IsComplete(chosen, cubeMemories));
    }

    private static (string Text, int Tokens, List<MemoryItem> Ordered) Render(List<(MemoryItem Item, string Text)> entries, ContextOptions options)
    {
        // Sessions in the order they happened; memories in time order inside each.
        var groups = entries
            .GroupBy(e => SessionKey(e.Item))
            .Select(g => g.OrderBy(e => Time(e.Item)).ThenBy(e => e.Item.Id).ToList())
            .OrderBy(g => Time(g[0].Item))
            .ToList();
        var sb = new StringBuilder();
        var ordered = new List<MemoryItem>(entries.Count);
        foreach (var group in groups)
        {
            sb.Append(Header(group[0].Item));
            foreach (var (item, shown) in group)
            {
                sb.Append(Line(item, shown)).Append('\n');
                ordered.Add(item);
            }
        }

        string text = sb.ToString();
        return (text, options.TokenCounter.CountTokens(text), ordered);
    }

    private static string SessionKey(MemoryItem item) => item.Scope.Session ?? string.Empty;

    private static DateTimeOffset Time(MemoryItem item) => item.ValidFrom ?? item.Provenance.RecordedAt;

    /// <summary>Whether <paramref name="item"/> comes before <paramref name="first"/> in their session's rendering, so heads it.</summary>
    private static bool RendersBefore(MemoryItem item, MemoryItem first)
    {
        int byTime = Time(item).CompareTo(Time(first));
        return byTime < 0 || (byTime == 0 && item.Id.CompareTo(first.Id) < 0);
    }

    /// <summary>The header line of the session <paramref name="first"/> opens, with its newline.</summary>
    private static string Header(MemoryItem first)
    {
        var sb = new StringBuilder("## ").Append(first.Scope.Session is { } session ? "Session " + OneLine(session) : "Notes");
        if (first.ValidFrom is { } d)
        {
            sb.Append(CultureInfo.InvariantCulture, $" ({d:yyyy-MM-dd})");
        }

        return sb.Append('\n').ToString();
    }

    private static string Line(MemoryItem item, string text)
    {
        var sb = new StringBuilder();
        if (item.ValidFrom is { } d)
        {
            sb.Append(CultureInfo.InvariantCulture, $"[{d:yyyy-MM-dd}] ");
        }

        if (item.Provenance.Actor is { } actor)
        {
            sb.Append(OneLine(actor)).Append(": ");
        }

        return sb.Append(OneLine(text)).ToString();
    }

    /// <summary>
    /// <paramref name="value"/> on one line: every name or text a memory brings is flattened, or one with a line break
    /// (an actor, a session name with a Unicode line separator) forged headers and other speakers' lines in the context.
    /// </summary>
    private static string OneLine(string value) => value.ReplaceLineEndings(" ").Trim();
}
