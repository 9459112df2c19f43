namespace AgentMem.Retrieval.Hybrid.Signals;

/// <summary>
/// One search in progress over one cube: the query, its analysed terms and vector, and per-slot score arrays that the
/// signal steps fill and the fusion combines. Every array has <see cref="Slots"/> entries, indexed by the cube's slots.
/// </summary>
internal sealed class ScoringContext : IDisposable
{
    private readonly List<float[]> rented = [];
    private readonly bool[]? allowedStates;

    // Per slot, for a filter the state alone does not answer: 0 not yet evaluated, 1 allowed, 2 not. One byte written
    // once the verdict is known, so the vector signal on a pool thread and the lexical ones here may both ask (at
    // worst both evaluate a slot, to the same verdict).
    private readonly byte[]? verdicts;

    public ScoringContext(CubeIndex cube, SearchRequest request, HybridOptions options, IReadOnlyList<string> terms, float[]? queryVector, DateTimeOffset now)
    {
        Cube = cube;
        Request = request;
        Options = options;
        Terms = terms;
        QueryVector = queryVector;
        Now = now;
        Slots = cube.Capacity;
        Fused = Rent();

        // The common filter (the cube and a set of states) is answered from the per-slot state, not the item.
        var f = request.Filter;
        if (f.User is null && f.Agent is null && f.Session is null && f.Kind is null && f.AnyTags is not { Count: > 0 } && f.ValidFromOrAfter is null && f.ValidFromBefore is null)
        {
            allowedStates = new bool[Enum.GetValues<LifecycleState>().Max(s => (int)s) + 1];
            foreach (var state in f.States.Count > 0 ? f.States : Enum.GetValues<LifecycleState>())
            {
                allowedStates[(int)state] = true;
            }
        }
        else
        {
            verdicts = new byte[Math.Max(1, Slots)];
        }
    }

    /// <summary>A cleared per-slot array from the shared pool, returned when the search ends (no large-object churn per search).</summary>
    public float[] Rent()
    {
        var array = ArrayPool<float>.Shared.Rent(Math.Max(1, Slots));
        Array.Clear(array, 0, Slots);
        rented.Add(array);
        return array;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var array in rented)
        {
            ArrayPool<float>.Shared.Return(array);
        }

        rented.Clear();
    }

    public CubeIndex Cube { get; }

    public SearchRequest Request { get; }

    public HybridOptions Options { get; }

    /// <summary>Stemmed content terms of the query; none when every word of it is a function word (see <see cref="PlainWordMatches"/>).</summary>
    public IReadOnlyList<string> Terms { get; }

    /// <summary>
    /// For a query of function words only, which the cube's indexes (content terms alone) cannot match: the store's
    /// full-text matches of its words, best first, scored by the store; null for any other query.
    /// </summary>
    public IReadOnlyList<LexicalMatch>? PlainWordMatches { get; init; }

    /// <summary>The query vector prepared for the cube's column, or null when vectors are off.</summary>
    public float[]? QueryVector { get; }

    /// <summary>The cube's actors the query names (null for none), found once per search for the actor boost and the reranker.</summary>
    public HashSet<string>? NamedActors => (namedActors ??= new(() => MemoryBoosts.NamedActors(Cube, Request.Query), LazyThreadSafetyMode.None)).Value;

    private Lazy<HashSet<string>?>? namedActors;

    /// <summary>The prepared vector of the query without the actor names it mentions (for the reranker), or null.</summary>
    public float[]? TopicVector { get; init; }

    public DateTimeOffset Now { get; }

    public int Slots { get; }

    /// <summary>The fused score so far.</summary>
    public float[] Fused { get; }

    /// <summary>Each step's per-slot contribution (arrays from <see cref="Rent"/>, possibly longer than <see cref="Slots"/>), by component name, for explanations.</summary>
    public Dictionary<string, float[]> Components { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The best-matching passage of each long memory (a passage number of <see cref="CubeIndex.Passages"/>), filled by
    /// the item signal; null when the cube has no long memories.
    /// </summary>
    public int[]? BestPassage { get; private set; }

    /// <summary>A per-slot array of passage numbers, all −1, kept as <see cref="BestPassage"/>.</summary>
    public int[] StartPassages()
    {
        BestPassage = new int[Math.Max(1, Slots)];
        Array.Fill(BestPassage, -1);
        return BestPassage;
    }

    /// <summary>
    /// The passage of each long memory nearest the query vector, filled by the vector signal (its own array: that signal
    /// may run beside the lexical ones); null when no passage has a vector.
    /// </summary>
    public MemoryCore.Text.TextSpan[]? NearestPassage { get; private set; }

    /// <summary>A per-slot array of spans, all empty, kept as <see cref="NearestPassage"/>.</summary>
    public MemoryCore.Text.TextSpan[] StartNearestPassages() => NearestPassage = new MemoryCore.Text.TextSpan[Math.Max(1, Slots)];

    /// <summary>
    /// The span of the passage that matched best in the memory of <paramref name="slot"/>: by words when one matched,
    /// else by meaning; null for a short memory.
    /// </summary>
    public MemoryCore.Text.TextSpan? PassageOf(int slot) =>
        BestPassage is { } best && best[slot] >= 0 ? Cube.Passages.SpanOf(best[slot])
        : NearestPassage is { } nearest && nearest[slot].Length > 0 ? nearest[slot]
        : null;

    /// <summary>
    /// How much the neighbour signals (window, session) count in this cube, in (0, 1]: 1 while its memories are as short
    /// as chat turns, falling as <see cref="HybridOptions.NeighbourReferenceLength"/> over their mean length in terms
    /// beyond it. Lending a memory its neighbours' words finds the answer to a question asked one turn earlier; among
    /// 3,000-word answers, a window of five matches nearly anything and buries the one paragraph that holds the fact.
    /// </summary>
    public float NeighbourScale =>
        Options.NeighbourReferenceLength <= 0 ? 1f : Math.Min(1f, Options.NeighbourReferenceLength / Cube.ItemIndex.AverageLength);

    /// <summary>Whether the slot holds a memory that passes the request's filter (evaluated once per slot, on demand).</summary>
    public bool Allowed(int slot)
    {
        if (allowedStates is not null)
        {
            return Cube.StateAt(slot) is int state and >= 0 && allowedStates[state];
        }

        byte verdict = verdicts![slot];
        if (verdict == 0)
        {
            verdict = Cube.ItemAt(slot) is { } item && MemoryFilterMatch.Matches(Request.Filter, item) ? (byte)1 : (byte)2;
            verdicts[slot] = verdict;
        }

        return verdict == 1;
    }

    /// <summary>
    /// The best of <paramref name="scores"/> among the slots the filter lets through (0 for none): a signal's range is
    /// over the memories the search may return, not archived or deleted ones or another session's.
    /// </summary>
    public float BestAllowed(float[] scores)
    {
        float best = 0;
        for (int s = 0; s < Slots; s++)
        {
            if (scores[s] > best && Allowed(s))
            {
                best = scores[s];
            }
        }

        return best;
    }
}
