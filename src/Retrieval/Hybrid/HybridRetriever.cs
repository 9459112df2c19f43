using AgentMem.MemoryCore.Telemetry;
using AgentMem.Retrieval.Hybrid.Reranking;
using AgentMem.Retrieval.Hybrid.Signals;
using AgentMem.Retrieval.Telemetry;

namespace AgentMem.Retrieval.Hybrid;

/// <summary>
/// Hybrid retrieval over one cube, as a list of named steps fused in one place: relevance signals (BM25 of each memory,
/// of each memory with its session neighbours, of its whole session, and embedding similarity) combined by weighted sum
/// or reciprocal rank; then boosts (tags, links, time, named actor, recency, retention); then filters (scope, time,
/// tags, state), near-duplicate collapsing and MMR. Each hit explains its score component by component.
/// The cube's indexes come from a <see cref="RetrievalState"/>, which follows the store's change feed, so every search
/// sees every committed write of any process and a write costs only what it touched.
/// </summary>
public sealed class HybridRetriever : IRetriever, IMemoryChangeListener, IDisposable
{
    private static readonly IRelevanceSignal[] RelevanceSignals = [new ItemSignal(), new WindowSignal(), new SessionSignal(), new VectorSignal()];
    private static readonly IScoreBoost[] Boosts = [new TagBoost(), new LinkBoost(), new TimeBoost(), new MemoryBoosts()];
    private readonly HybridOptions options;
    private readonly TimeProvider time;
    private readonly bool ownsState;
    private readonly Bm25Retriever storeSearch;

    /// <summary>
    /// Creates the retriever with a state of its own; with no embedder, the model-free <see cref="Embeddings.HashingEmbedder"/>
    /// is used. With <paramref name="ownsEmbedder"/>, disposing the retriever disposes the embedder.
    /// </summary>
    public HybridRetriever(IMemoryStore store, HybridOptions? options = null, IEmbeddingGenerator<string, Embedding<float>>? embedder = null, TimeProvider? timeProvider = null, bool ownsEmbedder = false)
        : this(new RetrievalState(store, embedder, StateOptions(options), ownsEmbedder) { RebuildOnWrite = options?.RebuildOnWrite ?? false }, options, timeProvider, ownsState: true)
    {
    }

    /// <summary>
    /// Creates the retriever over a shared <paramref name="state"/> (several retrievers, one set of indexes). With
    /// <paramref name="ownsState"/>, disposing the retriever disposes the state (which checkpoints its indexes); give
    /// ownership to exactly one of the retrievers sharing it.
    /// </summary>
    public HybridRetriever(RetrievalState state, HybridOptions? options = null, TimeProvider? timeProvider = null, bool ownsState = false)
    {
        ArgumentNullException.ThrowIfNull(state);
        State = state;
        this.options = options ?? new HybridOptions();
        this.options.Validate();
        if (this.options.WindowRadius != state.Options.WindowRadius)
        {
            throw new ArgumentException($"The hybrid options' window radius ({this.options.WindowRadius}) differs from the shared state's ({state.Options.WindowRadius}).", nameof(options));
        }

        time = timeProvider ?? TimeProvider.System;
        this.ownsState = ownsState;
        storeSearch = new Bm25Retriever(state.Store);
    }

    /// <inheritdoc/>
    public string Name => options.Name;

    /// <summary>The embedder identity the vectors were made with (for manifests).</summary>
    public string EmbedderName => State.EmbedderId;

    /// <summary>The options in force.</summary>
    public HybridOptions Options => options;

    /// <summary>The per-cube indexes this retriever searches.</summary>
    public RetrievalState State { get; }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (ownsState)
        {
            State.Dispose();
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Every search catches up with the store's change feed itself; a state that embeds off the write path
    /// (<see cref="RetrievalStateOptions.QueueAfterWrites"/>) also catches up in the background, to queue new vectors.
    /// </remarks>
    public void OnMemoriesChanged(string tenant, string cubeId) => State.OnCubeWritten(tenant, cubeId);

    /// <inheritdoc/>
    /// <remarks>The cube's snapshot is deleted before the purge commits: the next open builds it again if the purge fails.</remarks>
    public void OnMemoriesPurging(string tenant, string cubeId) => State.OnPurged(tenant, cubeId);

    /// <inheritdoc/>
    public void OnMemoryPurged(string tenant, string cubeId, MemoryCore.Identity.MemoryId id) => State.OnPurged(tenant, cubeId);

    /// <inheritdoc/>
    public void OnCubeDeleted(string tenant, string cubeId) => State.OnCubeDeleted(tenant, cubeId);

    /// <inheritdoc/>
    /// <remarks>
    /// A query of English function words only ("The Who", "It") has no term the cube's lexical indexes hold (they keep
    /// content terms); its words are looked up in the store's full-text index instead (<see cref="IMemoryStore.SearchLexicalAsync"/>,
    /// as the bm25 retriever does), and the store's best max(5k, 50) matches, scored by the store's BM25, are the item
    /// signal; the window and session signals score nothing. A store whose full-text search drops stop words too
    /// (PostgreSQL's English configuration) finds none of them, as its bm25 retriever does not.
    /// <para>
    /// The cube's indexes hold no <see cref="LifecycleState.Superseded"/> memory: a filter that lets one through
    /// (<see cref="MemoryFilter.States"/> naming that state, or empty for every state) is answered by the store's full-text
    /// index as the bm25 retriever answers it, by words only, rather than without the superseded memories.
    /// </para>
    /// </remarks>
    /// <exception cref="VectorFormatException">
    /// The query's embedding has another length than the cube's stored vectors, kept under the same embedder id: the
    /// model behind the embedder changed, and the cube must be re-embedded (<see cref="RetrievalState.RebuildAsync"/>).
    /// </exception>
    public async Task<IReadOnlyList<SearchHit>> SearchAsync(SearchRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Filter.CubeId is null)
        {
            throw new ArgumentException("The hybrid retriever searches one cube: set Filter.CubeId.", nameof(request));
        }

        long start = Stopwatch.GetTimestamp();
        using var activity = RetrievalTelemetry.Source.StartActivity("retrieval.search");
        if (activity is not null)
        {
            activity.SetTag(MemoryCoreTelemetry.CubeTag, request.Filter.CubeId);
            activity.SetTag("agentmem.k", request.K);
        }

        try
        {
            return await SearchCoreAsync(request, activity, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (RetrievalTelemetry.SearchDuration.Enabled)
            {
                RetrievalTelemetry.SearchDuration.Record(Stopwatch.GetElapsedTime(start).TotalSeconds, new KeyValuePair<string, object?>(MemoryCoreTelemetry.RetrieverTag, Name));
            }
        }
    }

    private async Task<IReadOnlyList<SearchHit>> SearchCoreAsync(SearchRequest request, Activity? activity, CancellationToken cancellationToken)
    {
        // Superseded versions are history, left out of the indexes (they would weigh in every search's statistics and
        // take an embedding each), so the index cannot answer a filter that asks for them: answered without them, a
        // "what did the user believe before?" found nothing, where the bm25 retriever found it.
        if (AdmitsUnindexed(request.Filter))
        {
            var found = await storeSearch.SearchAsync(request, cancellationToken).ConfigureAwait(false);
            activity?.SetTag(RetrievalTelemetry.HitCountTag, found.Count);
            return found;
        }

        var terms = TextAnalyzer.Terms(request.Query);

        // A query of function words only ("The Who", "It") has no term the cube's indexes hold: they keep content terms
        // alone, and indexing stop words would change every other query's lengths and scores. Its words are looked up in the
        // store's full-text index, which keeps them, as the bm25 retriever does (QueryAnalyzer: all words when all are stop
        // words); its best matches there become the item signal.
        var plainWordMatches = terms.Count == 0 && options.ItemWeight > 0 && QueryAnalyzer.Terms(request.Query) is { Count: > 0 } words
            ? await State.Store.SearchLexicalAsync(request.Tenant, new LexicalQuery(words, request.Filter, CandidatePool(request.K)), cancellationToken).ConfigureAwait(false)
            : null;

        bool vectors = options.VectorWeight > 0 || options.MmrLambda is not null;
        float[]? rawQuery = null;
        float[]? rawTopic = null;
        if (vectors && !string.IsNullOrWhiteSpace(request.Query))
        {
            // The topic query drops the names of the cube's actors the query mentions; without any, it is the query itself.
            // A cube the model does not rescore needs none (unless its features are reported).
            var (needed, topic) = !options.Reranks ? (false, null) : await State.WithCubeAsync(
                request.Tenant,
                request.Filter.CubeId!,
                cube => options.ReportRerankFeatures || options.RerankerFits(cube.Count, cube.ItemIndex.AverageLength)
                    ? (true, QueryTopic.WithoutActors(request.Query, MemoryBoosts.NamedActors(cube, request.Query)))
                    : (false, null),
                cancellationToken).ConfigureAwait(false);

            // Both queries in one encoder run: a sentence model embeds two short texts in about the time of one.
            var embedded = await State.EmbedQueriesAsync(string.IsNullOrWhiteSpace(topic) ? [request.Query] : [request.Query, topic], cancellationToken).ConfigureAwait(false);
            rawQuery = embedded[0];
            rawTopic = !needed ? null : embedded[^1];
        }

        var now = time.GetUtcNow();
        int candidates = 0;
        var scored = await State.WithCubeAsync(request.Tenant, request.Filter.CubeId!, cube =>
        {
            candidates = cube.Count;
            return Score(cube, request, terms, plainWordMatches, rawQuery, rawTopic, now);
        }, cancellationToken).ConfigureAwait(false);
        RetrievalTelemetry.Candidates.Record(candidates);
        activity?.SetTag(RetrievalTelemetry.CandidateCountTag, candidates);
        if (scored.Count == 0)
        {
            activity?.SetTag(RetrievalTelemetry.HitCountTag, 0);
            return scored;
        }

        // The index keeps no text: read the hits back as the store has them now. One purged since scoring is dropped, and
        // so is one the filter no longer lets through (deleted, superseded or archived in between, its tags changed).
        var full = (await State.Store.GetManyAsync(request.Tenant, scored.Select(h => h.Item.Id).ToList(), cancellationToken).ConfigureAwait(false)).ToDictionary(i => i.Id);
        var hits = new List<SearchHit>(scored.Count);
        foreach (var hit in scored)
        {
            if (full.TryGetValue(hit.Item.Id, out var item) && MemoryFilterMatch.Matches(request.Filter, item))
            {
                hits.Add(hit with { Item = item });
            }
        }

        activity?.SetTag(RetrievalTelemetry.HitCountTag, hits.Count);
        return hits;
    }

    private List<SearchHit> Score(CubeIndex cube, SearchRequest request, IReadOnlyList<string> terms, IReadOnlyList<LexicalMatch>? plainWordMatches, float[]? rawQuery, float[]? rawTopic, DateTimeOffset now)
    {
        if (cube.Count == 0)
        {
            return [];
        }

        if (rawQuery is not null && cube.Vectors.Dimension > 0 && rawQuery.Length != cube.Vectors.Dimension)
        {
            // Not skipped: the vector signal would be lost on every search without a word. The id has no dimension when the
            // embedder reports none (an OpenAI-compatible one without Dimensions), so a new model under the same name
            // finds the old model's vectors.
            throw new VectorFormatException(string.Create(CultureInfo.InvariantCulture, $"The query's embedding has {rawQuery.Length} dimensions; the cube's stored vectors, under the same embedder id '{State.EmbedderId}', have {cube.Vectors.Dimension}. Was the model behind the embedder changed? Re-embed the cube (index rebuild) or give the new model another name."));
        }

        float[]? query = rawQuery is not null && cube.Vectors.Dimension > 0 ? VectorColumn.PrepareQuery(rawQuery) : null;
        float[]? topic = query is not null && rawTopic is not null ? (ReferenceEquals(rawTopic, rawQuery) ? query : VectorColumn.PrepareQuery(rawTopic)) : null;
        using var context = new ScoringContext(cube, request, options, terms, query, now) { TopicVector = topic, PlainWordMatches = plainWordMatches };
        var scored = new List<(IRelevanceSignal, float[], SignalRange)>(RelevanceSignals.Length);
        foreach (var signal in RelevanceSignals)
        {
            var scores = context.Rent();
            context.Components[signal.Name] = scores;
            scored.Add((signal, scores, SignalRange.None));
        }

        // In a big cube the vector signal (a SPANN search, or a scan of every row) runs beside the lexical ones: it reads
        // only the vector column and writes only its own array. In a small one the handoff would cost more than it saves.
        int vector = Array.FindIndex(RelevanceSignals, s => s is VectorSignal);
        var aside = query is not null && options.VectorWeight > 0 && cube.Count >= options.ParallelVectorMinimum
            ? OffloadedWork<SignalRange>.Start(() => RelevanceSignals[vector].Score(context, scored[vector].Item2))
            : null;
        for (int i = 0; i < scored.Count; i++)
        {
            var (signal, scores, _) = scored[i];
            if (i != vector || aside is null)
            {
                scored[i] = (signal, scores, signal.Weight(context) > 0 ? signal.Score(context, scores) : SignalRange.None);
            }
        }

        if (aside is not null)
        {
            scored[vector] = (scored[vector].Item1, scored[vector].Item2, aside.Join());
        }

        SignalFusion.Fuse(context, scored);
        foreach (var boost in Boosts)
        {
            if (boost.Applies(context))
            {
                boost.Apply(context);
            }
        }

        if (options.Reranks)
        {
            Rerank(context, scored);
        }

        var chosen = Select(context, request.K);
        var hits = new List<SearchHit>(chosen.Count);
        foreach (int i in chosen)
        {
            var components = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var (name, values) in context.Components)
            {
                components[name] = values[i];
            }

            components["fused"] = context.Fused[i];
            hits.Add(new SearchHit(cube.ItemAt(i)!, context.Fused[i], components) { Passage = context.PassageOf(i) });
        }

        return hits;
    }

    /// <summary>The best k, collapsing exact duplicates and, with MMR, trading relevance against redundancy.</summary>
    private static void Rerank(ScoringContext context, List<(IRelevanceSignal Signal, float[] Scores, SignalRange Range)> scored)
    {
        (float[] Scores, SignalRange Range) Of<TSignal>() where TSignal : IRelevanceSignal
        {
            var (_, scores, range) = scored.First(s => s.Signal is TSignal);
            return (scores, range);
        }

        var item = Of<ItemSignal>();
        var window = Of<WindowSignal>();
        var session = Of<SessionSignal>();
        var vector = Of<VectorSignal>();
        bool hasVector = context.QueryVector is not null && context.Options.VectorWeight > 0;
        float[]? topicScores = null;
        var topicRange = SignalRange.None;
        if (hasVector && context.TopicVector is { } topic && !ReferenceEquals(topic, context.QueryVector))
        {
            topicScores = context.Rent();
            topicRange = VectorSignal.Similarities(context, topic, topicScores, () => new MemoryCore.Text.TextSpan[Math.Max(1, context.Slots)]);
        }

        LearnedRerank.Apply(context, new LearnedRerank.Inputs(
            item.Scores, item.Range,
            window.Scores, window.Range,
            session.Scores, session.Range,
            hasVector ? vector.Scores : null, hasVector ? vector.Range : SignalRange.None,
            topicScores, topicRange,
            context.NamedActors?.Count ?? 0));
    }

    private List<int> Select(ScoringContext context, int k)
    {
        int pool = options.MmrLambda is null ? k : CandidatePool(k);
        var candidates = TopSlots.Best(context, pool, options.CollapseDuplicates);
        return options.MmrLambda is { } lambda && context.Cube.Vectors.Dimension > 0
            ? Mmr(context, candidates, k, lambda)
            : candidates.Count > k ? candidates.GetRange(0, k) : candidates;
    }

    /// <summary>Whether <paramref name="filter"/> lets through a state whose memories the cube's indexes do not hold (an empty list lets every state through).</summary>
    private static bool AdmitsUnindexed(MemoryFilter filter) => filter.States.Count == 0 || filter.States.Any(s => !CubeIndex.IsIndexed(s));

    /// <summary>How many candidates a search for <paramref name="k"/> hits weighs beyond the first k: MMR's pool, and the store's matches of a query of function words only.</summary>
    private static int CandidatePool(int k) => (int)Math.Min(int.MaxValue, Math.Max(5L * k, 50));

    /// <summary>MMR over the candidates: relevance (scaled to [0,1]) against similarity to what is already chosen.</summary>
    private static List<int> Mmr(ScoringContext context, List<int> pool, int k, double lambda)
    {
        var fused = context.Fused;
        var vectors = context.Cube.Vectors;
        float top = pool.Count > 0 ? fused[pool[0]] : 1;
        var selected = new List<int>();
        while (selected.Count < k && pool.Count > 0)
        {
            int best = -1;
            double bestScore = double.NegativeInfinity;
            foreach (int c in pool)
            {
                double redundancy = 0;
                foreach (int s in selected)
                {
                    if (vectors.HasRow(c) && vectors.HasRow(s))
                    {
                        redundancy = Math.Max(redundancy, TensorPrimitives.Dot(vectors.Row(c), vectors.Row(s)));
                    }
                }

                double score = (lambda * fused[c] / top) - ((1 - lambda) * redundancy);
                // Never none: a score that is not a number (an infinite relevance over an infinite top) would leave best at
                // -1, and the search failed on slot -1; the pool is best first, so its first candidate stands in.
                if (best < 0 || score > bestScore)
                {
                    bestScore = score;
                    best = c;
                }
            }

            selected.Add(best);
            pool.Remove(best);
        }

        return selected;
    }

    private static RetrievalStateOptions StateOptions(HybridOptions? options) => new() { WindowRadius = options?.WindowRadius ?? 2, AnnThreshold = options?.AnnThreshold ?? RetrievalStateOptions.DefaultAnnThreshold };
}
