using System.Collections.Concurrent;
using System.Numerics.Tensors;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.MemoryCore.Search;
using AgentMem.Retrieval.Lexical;
using Microsoft.Extensions.AI;

namespace AgentMem.Retrieval.Hybrid;

/// <summary>
/// Hybrid retrieval over one cube: BM25 of each memory, BM25 of each memory with its session
/// neighbours, BM25 of its whole session, and embedding similarity, fused by weighted sum or
/// reciprocal rank; then optional recency and memory-strength boosts, filters (scope, time, tags,
/// state), near-duplicate collapsing and MMR. Each hit explains its score component by component.
/// The per-cube indexes live in memory, are built on first search and rebuilt after writes
/// (<see cref="IMemoryChangeListener"/>).
/// </summary>
public sealed class HybridRetriever : IRetriever, IMemoryChangeListener, IDisposable
{
    private const int ListPage = 5000;
    private static readonly IReadOnlyList<LifecycleState> IndexedStates = [LifecycleState.Active, LifecycleState.Archived, LifecycleState.Frozen, LifecycleState.Deleted];
    private readonly IMemoryStore store;
    private readonly HybridOptions options;
    private readonly IEmbeddingGenerator<string, Embedding<float>>? embedder;
    private readonly TimeProvider time;
    private readonly bool ownsEmbedder;
    private readonly EmbeddingCache cache = new();
    private readonly ConcurrentDictionary<(string Tenant, string Cube), long> generations = new();
    private readonly ConcurrentDictionary<(string Tenant, string Cube), (long Generation, Task<CubeSnapshot> Snapshot)> snapshots = new();
    private readonly ConcurrentDictionary<(string Tenant, string Cube), long> lastUsed = new();
    private long clock;

    /// <summary>
    /// Creates the retriever; with no embedder, the model-free <see cref="Embeddings.HashingEmbedder"/> is used.
    /// With <paramref name="ownsEmbedder"/>, disposing the retriever disposes the embedder.
    /// </summary>
    public HybridRetriever(IMemoryStore store, HybridOptions? options = null, IEmbeddingGenerator<string, Embedding<float>>? embedder = null, TimeProvider? timeProvider = null, bool ownsEmbedder = false)
    {
        this.ownsEmbedder = ownsEmbedder;
        ArgumentNullException.ThrowIfNull(store);
        this.store = store;
        this.options = options ?? new HybridOptions();
        this.options.Validate();
        this.embedder = embedder;
        time = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc/>
    public string Name => options.Name;

    /// <summary>The embedder's model id (for manifests), or the default's.</summary>
    public string EmbedderName => embedder?.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId ?? $"hashing-v1-{Embeddings.HashingEmbedder.DefaultDimension}-idf";

    /// <summary>The options in force.</summary>
    public HybridOptions Options => options;

    /// <summary>Cubes whose indexes are in memory now (for tests and diagnostics).</summary>
    internal int CachedCubes => snapshots.Count;

    /// <inheritdoc/>
    public void Dispose()
    {
        if (ownsEmbedder)
        {
            embedder?.Dispose();
        }
    }

    /// <inheritdoc/>
    public void OnMemoriesChanged(string tenant, string cubeId) =>
        generations.AddOrUpdate((tenant, cubeId), 1, (_, g) => g + 1);

    /// <inheritdoc/>
    public async Task<IReadOnlyList<SearchHit>> SearchAsync(SearchRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Filter.CubeId is null)
        {
            throw new ArgumentException("The hybrid retriever searches one cube: set Filter.CubeId.", nameof(request));
        }

        var snapshot = await GetSnapshotAsync(request.Tenant, request.Filter.CubeId, cancellationToken).ConfigureAwait(false);
        int n = snapshot.Items.Length;
        if (n == 0)
        {
            return [];
        }

        var terms = TextAnalyzer.Terms(request.Query);
        if (terms.Count == 0)
        {
            terms = TextAnalyzer.Words(request.Query);
        }

        var item = new float[n];
        var window = new float[n];
        var sessionDocs = new float[Math.Max(1, snapshot.SessionIndex.DocumentCount)];
        var vector = new float[n];
        float itemMax = options.ItemWeight > 0 ? snapshot.ItemIndex.Score(terms, item) : 0;
        float windowMax = options.WindowWeight > 0 ? snapshot.WindowIndex.Score(terms, window) : 0;
        float sessionMax = options.SessionWeight > 0 && snapshot.SessionIndex.DocumentCount > 0 ? snapshot.SessionIndex.Score(terms, sessionDocs) : 0;
        if (options.VectorWeight > 0 && snapshot.Dimension > 0)
        {
            float[] q = await snapshot.EmbedQuery(request.Query, cancellationToken).ConfigureAwait(false);
            if (options.AnnThreshold is { } threshold && n > threshold)
            {
                // A big cube: only the ANN index's nearest embeddings get a vector score.
                foreach (var match in snapshot.AnnIndex().Search(q, Math.Min(n, Math.Max(options.AnnCandidates, request.K))))
                {
                    int i = (int)match.Key;
                    float similarity = TensorPrimitives.Dot(q, snapshot.Row(i));
                    vector[i] = similarity >= options.VectorMinSimilarity ? similarity : 0;
                }
            }
            else
            {
                for (int i = 0; i < n; i++)
                {
                    float similarity = TensorPrimitives.Dot(q, snapshot.Row(i));
                    vector[i] = similarity >= options.VectorMinSimilarity ? similarity : 0;
                }
            }
        }

        var session = new float[n];
        for (int i = 0; i < n; i++)
        {
            session[i] = snapshot.SessionOf[i] >= 0 ? sessionDocs[snapshot.SessionOf[i]] : 0;
        }

        var allowed = new bool[n];
        for (int i = 0; i < n; i++)
        {
            allowed[i] = FilterMatcher.Matches(request.Filter, snapshot.Items[i]);
        }

        var fused = options.Fusion == FusionMethod.Weighted
            ? WeightedFusion(n, (item, itemMax, options.ItemWeight), (window, windowMax, options.WindowWeight), (session, sessionMax, options.SessionWeight), (vector, 1f, options.VectorWeight))
            : RankFusion(n, allowed, (item, options.ItemWeight), (window, options.WindowWeight), (session, options.SessionWeight), (vector, options.VectorWeight));

        var tag = new float[n];
        if (options.TagWeight > 0 && QueryTags(request.Query) is { Count: > 0 } queryTags)
        {
            float tagMax = snapshot.TagIndex.Score(queryTags, tag);
            if (tagMax > 0)
            {
                TensorPrimitives.MultiplyAdd(tag, options.TagWeight / tagMax, fused, fused);
            }
        }

        var linked = options.LinkWeight > 0 ? ExpandLinks(snapshot, fused, allowed) : null;
        bool asksWhen = options.TimeWeight > 0 && MemoryCore.Time.TemporalCues.AsksWhen(request.Query);
        if (asksWhen)
        {
            for (int i = 0; i < n; i++)
            {
                if (snapshot.MentionsTime[i])
                {
                    fused[i] *= 1 + options.TimeWeight;
                }
            }
        }
        var named = options.ActorWeight > 0 ? NamedActors(request.Query, snapshot) : null;
        var now = time.GetUtcNow();
        var actor = new float[n];
        var recency = new float[n];
        var strength = new float[n];
        for (int i = 0; i < n; i++)
        {
            if (!allowed[i] || fused[i] <= 0)
            {
                continue;
            }

            var memory = snapshot.Items[i];
            if (named is not null && memory.Provenance.Actor is { } who && named.Contains(who))
            {
                actor[i] = 1;
            }

            if (options.RecencyWeight > 0)
            {
                double ageDays = Math.Max(0, (now - (memory.ValidFrom ?? memory.Provenance.RecordedAt)).TotalDays);
                recency[i] = (float)Math.Pow(2, -ageDays / options.RecencyHalfLifeDays);
            }

            if (options.StrengthWeight > 0)
            {
                strength[i] = (float)MemoryCore.Forgetting.ForgettingCurve.Retention(memory, now);
            }

            fused[i] += (options.ActorWeight * actor[i]) + (options.RecencyWeight * recency[i]) + (options.StrengthWeight * strength[i]);
        }

        var order = Enumerable.Range(0, n).Where(i => allowed[i] && fused[i] > 0).OrderByDescending(i => fused[i]).ThenBy(i => i).ToList();
        var chosen = Select(order, snapshot, fused, request.K);
        var hits = new List<SearchHit>(chosen.Count);
        foreach (int i in chosen)
        {
            var components = new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["bm25_item"] = item[i],
                ["bm25_window"] = window[i],
                ["bm25_session"] = session[i],
                ["vector"] = vector[i],
            };
            if (named is { Count: > 0 })
            {
                components["actor"] = actor[i];
            }

            if (options.RecencyWeight > 0)
            {
                components["recency"] = recency[i];
            }

            if (options.StrengthWeight > 0)
            {
                components["retention"] = strength[i];
            }

            if (options.TagWeight > 0)
            {
                components["tags"] = tag[i];
            }

            if (linked is not null)
            {
                components["links"] = linked[i];
            }

            if (asksWhen)
            {
                components["time"] = snapshot.MentionsTime[i] ? options.TimeWeight : 0;
            }

            components["fused"] = fused[i];
            hits.Add(new SearchHit(snapshot.Items[i], fused[i], components));
        }

        return hits;
    }

    /// <summary>Tags the query's words map to in the built-in lexicon, e.g. "Which pets ..." → pet.</summary>
    private static List<string> QueryTags(string query) =>
        TextAnalyzer.Words(query).Where(w => !TextAnalyzer.IsStopWord(w)).SelectMany(MemoryCore.Notes.TagLexicon.Default.TagsOfWord).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>
    /// One hop along links from the best results: each linked memory gains LinkWeight × seed score × link weight (the best
    /// such contribution, not the sum, so a hub linked from many seeds does not swamp the ranking). Returns the added scores.
    /// </summary>
    private float[] ExpandLinks(CubeSnapshot snapshot, float[] fused, bool[] allowed)
    {
        int n = fused.Length;
        var added = new float[n];
        var seeds = Enumerable.Range(0, n).Where(i => allowed[i] && fused[i] > 0).OrderByDescending(i => fused[i]).Take(options.LinkSeeds);
        foreach (int s in seeds)
        {
            foreach (var link in snapshot.Items[s].Links)
            {
                if (snapshot.Positions.TryGetValue(link.Target, out int t) && t != s)
                {
                    added[t] = Math.Max(added[t], (float)(options.LinkWeight * fused[s] * link.Weight));
                }
            }
        }

        TensorPrimitives.Add(fused, added, fused);
        return added;
    }

    /// <summary>The cube's actors the query names (every word of the actor's name appears in the query).</summary>
    private static HashSet<string>? NamedActors(string query, CubeSnapshot snapshot)
    {
        var words = TextAnalyzer.Words(query).ToHashSet(StringComparer.Ordinal);
        HashSet<string>? named = null;
        foreach (var (name, nameWords) in snapshot.Actors)
        {
            if (nameWords.Length > 0 && nameWords.All(words.Contains))
            {
                (named ??= new HashSet<string>(StringComparer.Ordinal)).Add(name);
            }
        }

        return named;
    }

    private List<int> Select(List<int> order, CubeSnapshot snapshot, float[] fused, int k)
    {
        var seenHashes = new HashSet<string>(StringComparer.Ordinal);
        var candidates = new List<int>();
        foreach (int i in order)
        {
            if (options.CollapseDuplicates && !seenHashes.Add(snapshot.Items[i].ContentHash))
            {
                continue;
            }

            candidates.Add(i);
            if (options.MmrLambda is null && candidates.Count == k)
            {
                break;
            }
        }

        if (options.MmrLambda is not { } lambda || snapshot.Dimension == 0)
        {
            return candidates.Count > k ? candidates.GetRange(0, k) : candidates;
        }

        // MMR over the best few times k candidates: relevance (scaled to [0,1]) against similarity to what is already chosen.
        var pool = candidates.Take(Math.Max(k * 5, 50)).ToList();
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
                    redundancy = Math.Max(redundancy, TensorPrimitives.Dot(snapshot.Row(c), snapshot.Row(s)));
                }

                double score = (lambda * fused[c] / top) - ((1 - lambda) * redundancy);
                if (score > bestScore)
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

    private static float[] WeightedFusion(int n, params (float[] Scores, float Max, float Weight)[] signals)
    {
        var fused = new float[n];
        foreach (var (scores, max, weight) in signals)
        {
            if (weight <= 0 || max <= 0)
            {
                continue;
            }

            TensorPrimitives.MultiplyAdd(scores, weight / max, fused, fused);
        }

        return fused;
    }

    private float[] RankFusion(int n, bool[] allowed, params (float[] Scores, float Weight)[] signals)
    {
        var fused = new float[n];
        foreach (var (scores, weight) in signals)
        {
            if (weight <= 0)
            {
                continue;
            }

            var ranked = Enumerable.Range(0, n).Where(i => allowed[i] && scores[i] > 0).OrderByDescending(i => scores[i]).ToList();
            for (int r = 0; r < ranked.Count; r++)
            {
                fused[ranked[r]] += weight / (options.RrfK + r + 1);
            }
        }

        return fused;
    }

    private async Task<CubeSnapshot> GetSnapshotAsync(string tenant, string cubeId, CancellationToken cancellationToken)
    {
        var key = (tenant, cubeId);
        lastUsed[key] = Interlocked.Increment(ref clock);
        long generation = generations.GetValueOrDefault(key);
        if (snapshots.TryGetValue(key, out var cached) && cached.Generation == generation && !cached.Snapshot.IsFaulted && !cached.Snapshot.IsCanceled)
        {
            return await cached.Snapshot.ConfigureAwait(false);
        }

        var build = BuildAsync(tenant, cubeId, cancellationToken);
        snapshots[key] = (generation, build);
        EvictBeyondLimit();
        return await build.ConfigureAwait(false);
    }

    /// <summary>Bounds memory: a benchmark or a server may touch thousands of cubes, each with its own indexes.</summary>
    private void EvictBeyondLimit()
    {
        while (snapshots.Count > options.MaxCachedCubes)
        {
            var oldest = lastUsed.OrderBy(p => p.Value).Select(p => p.Key).FirstOrDefault();
            if (oldest == default || !snapshots.TryRemove(oldest, out _))
            {
                return;
            }

            lastUsed.TryRemove(oldest, out _);
        }
    }

    private async Task<CubeSnapshot> BuildAsync(string tenant, string cubeId, CancellationToken cancellationToken)
    {
        var items = new List<MemoryItem>();
        var filter = new MemoryFilter { CubeId = cubeId, States = IndexedStates };
        MemoryCore.Identity.MemoryId? after = null;
        while (true)
        {
            var page = await store.ListAsync(tenant, filter, ListPage, after, cancellationToken).ConfigureAwait(false);
            items.AddRange(page);
            if (page.Count < ListPage)
            {
                break;
            }

            after = page[^1].Id;
        }

        return await CubeSnapshot.BuildAsync(items, options.WindowRadius, options.VectorWeight > 0 || options.MmrLambda is not null, embedder, cache, cancellationToken).ConfigureAwait(false);
    }
}
