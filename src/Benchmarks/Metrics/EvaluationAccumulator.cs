namespace AgentMem.Benchmarks.Metrics;

/// <summary>
/// Collects per-question results and ingest timings during a run and aggregates them into a
/// <see cref="BenchmarkResult"/>. Thread-safe, so a runner may record from parallel workers.
/// </summary>
/// <remarks>
/// Adversarial questions are reported under <see cref="BenchmarkResult.Excluded"/> instead of the
/// headline numbers unless <c>excludeAdversarial</c> is false. Questions without gold evidence
/// turns are kept in the counts but left out of the turn-level means (likewise for sessions);
/// <see cref="MetricGroup.Scored"/> gives each mean's denominator. Latency and token means cover
/// every recorded question. MRR is taken over the ranked list as scored, the top max(k) hits (MRR@max k, labelled so in
/// the reports): a gold turn ranked below it counts 0, so runs compare only at the same largest k. The session metrics
/// (mean, recall_any, recall_all) take @k as the first k distinct sessions of the ranking, LongMemEval's definition.
/// </remarks>
public sealed class EvaluationAccumulator
{
    private readonly Lock gate = new();
    private readonly List<Scored> results = [];
    private readonly List<double> ingestLatencies = [];
    private readonly List<double> prepareLatencies = [];
    private readonly int[] ks;
    private readonly bool excludeAdversarial;
    private readonly Func<string, string> sessionOf;
    private long ingestItems;
    private TimeSpan? ingestWallTime;

    /// <summary>Creates an accumulator.</summary>
    /// <param name="dataset">Dataset name for the result.</param>
    /// <param name="ks">Cut-offs to report (default <see cref="DefaultKs"/>); each at least 1.</param>
    /// <param name="excludeAdversarial">Report adversarial questions separately (default) rather than in the headline numbers.</param>
    /// <param name="sessionOf">Maps a turn id to its session id; default <see cref="TurnIds.SessionOf"/>.</param>
    public EvaluationAccumulator(
        string dataset,
        IEnumerable<int>? ks = null,
        bool excludeAdversarial = true,
        Func<string, string>? sessionOf = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        Dataset = dataset;
        this.ks = (ks ?? DefaultKs).Distinct().Order().ToArray();
        if (this.ks.Length == 0 || this.ks[0] < 1)
        {
            throw new ArgumentException("Need at least one cut-off, each at least 1.", nameof(ks));
        }

        this.excludeAdversarial = excludeAdversarial;
        this.sessionOf = sessionOf ?? TurnIds.SessionOf;
    }

    /// <summary>Cut-offs used when none are given: 1, 5, 10, 20.</summary>
    public static IReadOnlyList<int> DefaultKs { get; } = [1, 5, 10, 20];

    /// <summary>Dataset name for the result.</summary>
    public string Dataset { get; }

    /// <summary>Questions recorded so far.</summary>
    public int Count
    {
        get
        {
            lock (gate)
            {
                return results.Count;
            }
        }
    }

    /// <summary>Records one question's outcome.</summary>
    /// <param name="result">The outcome.</param>
    public void Add(QuestionResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        Scored scored = Score(result);
        lock (gate)
        {
            results.Add(scored);
        }
    }

    /// <summary>Records one ingest operation (e.g. one turn or one session batch).</summary>
    /// <param name="latencyMs">Its wall-clock time in milliseconds.</param>
    /// <param name="items">Items it ingested, for throughput.</param>
    public void RecordIngest(double latencyMs, int items = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(latencyMs);
        ArgumentOutOfRangeException.ThrowIfNegative(items);
        lock (gate)
        {
            ingestLatencies.Add(latencyMs);
            ingestItems += items;
        }
    }

    /// <summary>Records the build of one cube's search indexes before its questions (<see cref="LatencySummary.PrepareCount"/>).</summary>
    /// <param name="latencyMs">Its wall-clock time in milliseconds.</param>
    public void RecordPrepare(double latencyMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(latencyMs);
        lock (gate)
        {
            prepareLatencies.Add(latencyMs);
        }
    }

    /// <summary>
    /// Sets the total wall-clock ingest time. Throughput is items over this time when set, and over
    /// the sum of recorded ingest latencies otherwise, which undercounts throughput for parallel ingest.
    /// </summary>
    /// <param name="elapsed">Total ingest time.</param>
    public void SetIngestWallTime(TimeSpan elapsed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(elapsed, TimeSpan.Zero);
        lock (gate)
        {
            ingestWallTime = elapsed;
        }
    }

    /// <summary>Aggregates everything recorded so far.</summary>
    /// <returns>The aggregated result.</returns>
    public BenchmarkResult Build()
    {
        Scored[] all;
        double[] ingest;
        double[] prepare;
        long items;
        TimeSpan? wall;
        lock (gate)
        {
            all = results.ToArray();
            ingest = ingestLatencies.ToArray();
            prepare = prepareLatencies.ToArray();
            items = ingestItems;
            wall = ingestWallTime;
        }

        Scored[] headline = all.Where(s => !(excludeAdversarial && s.Result.IsAdversarial)).ToArray();
        Scored[] excluded = all.Where(s => excludeAdversarial && s.Result.IsAdversarial).ToArray();

        return new BenchmarkResult(
            Dataset,
            all.Length,
            ks,
            Group(headline),
            ByCategory(headline),
            ByCategory(excluded),
            Latencies(all, ingest, prepare, items, wall),
            new TokenSummary(
                Mean(all.Select(s => (double?)s.Result.ContextTokens)),
                Mean(all.Select(s => (double?)s.Result.FullContextTokens)))
            {
                WholeMemoriesMean = Mean(all.Select(s => (double?)s.Result.WholeContextTokens)),
            });
    }

    private Scored Score(QuestionResult result)
    {
        // Grouped results rank items (a session memory each): without the items' sessions given, one per group, not one
        // per turn (a three-turn item took three ranks, and the item after it came fourth).
        IReadOnlyList<string> ranked = result.RankedTurnIds;
        IReadOnlyList<string> rankedSessions = result.RankedSessionIds
            ?? (result.RankedTurnGroups is { } itemGroups ? [.. itemGroups.Where(g => g.Count > 0).Select(g => sessionOf(g[0]))] : [.. ranked.Select(sessionOf)]);
        IReadOnlyList<IReadOnlyList<string>>? groups = result.RankedTurnGroups;
        IEnumerable<string> goldTurnIds = result.GoldTurnIds, goldSessionIds = result.GoldSessionIds;

        // A copy of gold evidence (a repeated answer session) is that evidence: scored as the id it repeats, a hit on either
        // copy satisfies it and the pair counts once. Counted apart, a retriever returning one of two identical texts scored 0.5.
        if (result.GoldCopies is { Count: > 0 } copies)
        {
            string Same(string id) => copies.GetValueOrDefault(id, id);
            ranked = [.. ranked.Select(Same)];
            rankedSessions = [.. rankedSessions.Select(Same)];
            groups = groups?.Select(g => (IReadOnlyList<string>)[.. g.Select(Same)]).ToList();
            goldTurnIds = goldTurnIds.Select(Same);
            goldSessionIds = goldSessionIds.Select(Same);
        }

        var goldTurns = new HashSet<string>(goldTurnIds, StringComparer.Ordinal);
        var goldSessions = new HashSet<string>(goldSessionIds, StringComparer.Ordinal);
        if (goldSessions.Count == 0)
        {
            // Gold turns without gold sessions (an evidence session id the haystack lacks, say): the sessions holding the
            // turns are the relevant ones. Scoring the question's session NDCG and MRR as 0 pulled the means down.
            goldSessions.UnionWith(goldTurns.Select(sessionOf));
        }

        double[]? recall = null, anyHit = null, ndcg = null, sessionRecall = null, sessionAny = null, sessionAll = null;
        double? mrr = null;
        if (goldTurns.Count > 0 && groups is { } grouped)
        {
            recall = ks.Select(k => GroupRecall(grouped, goldTurns, k)).ToArray();
            anyHit = recall.Select(r => r > 0 ? 1.0 : 0.0).ToArray();
            ndcg = ks.Select(k => RetrievalMetrics.Ndcg(rankedSessions, goldSessions, k)).ToArray();
            mrr = RetrievalMetrics.ReciprocalRank(rankedSessions, goldSessions);
        }
        else if (goldTurns.Count > 0)
        {
            recall = ks.Select(k => RetrievalMetrics.Recall(ranked, goldTurns, k)).ToArray();
            anyHit = ks.Select(k => RetrievalMetrics.AnyHit(ranked, goldTurns, k)).ToArray();
            ndcg = ks.Select(k => RetrievalMetrics.Ndcg(ranked, goldTurns, k)).ToArray();
            mrr = RetrievalMetrics.ReciprocalRank(ranked, goldTurns);
        }

        if (goldSessions.Count > 0)
        {
            // @k is the first k distinct sessions in rank order, as LongMemEval's evaluate_retrieval_turn2session
            // (src/retrieval/eval_utils.py) raises its effective k until the ranking holds k sessions: the first k turns of a
            // turn ranking may hold one session, and scored lower than the same metric there.
            IReadOnlyList<string> sessions = FirstSeen(rankedSessions);
            sessionRecall = ks.Select(k => RetrievalMetrics.SessionRecall(sessions, goldSessions, k)).ToArray();
            sessionAny = ks.Select(k => RetrievalMetrics.SessionRecallAny(sessions, goldSessions, k)).ToArray();
            sessionAll = ks.Select(k => RetrievalMetrics.SessionRecallAll(sessions, goldSessions, k)).ToArray();
        }

        return new Scored(result, recall, anyHit, ndcg, sessionRecall, sessionAny, sessionAll, mrr);
    }

    /// <summary>Each id once, where it first appears.</summary>
    private static List<string> FirstSeen(IReadOnlyList<string> ids)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return [.. ids.Where(seen.Add)];
    }

    /// <summary>Fraction of gold turns inside the first <paramref name="k"/> groups.</summary>
    private static double GroupRecall(IReadOnlyList<IReadOnlyList<string>> groups, HashSet<string> gold, int k)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < Math.Min(k, groups.Count); i++)
        {
            foreach (string turn in groups[i])
            {
                if (gold.Contains(turn))
                {
                    found.Add(turn);
                }
            }
        }

        return (double)found.Count / gold.Count;
    }

    private SortedDictionary<string, MetricGroup> ByCategory(Scored[] questions)
    {
        var groups = new SortedDictionary<string, MetricGroup>(CategoryComparer.Instance);
        foreach (IGrouping<string, Scored> category in questions.GroupBy(s => s.Result.Category, StringComparer.Ordinal))
        {
            groups.Add(category.Key, Group(category.ToArray()));
        }

        return groups;
    }

    private MetricGroup Group(Scored[] questions)
    {
        Scored[] scored = questions.Where(s => s.Recall is not null).ToArray();
        Scored[] sessionScored = questions.Where(s => s.SessionRecall is not null).ToArray();

        SortedDictionary<int, double?> PerK(Scored[] source, Func<Scored, double[]> values)
        {
            var map = new SortedDictionary<int, double?>();
            for (int i = 0; i < ks.Length; i++)
            {
                map[ks[i]] = Mean(source.Select(s => (double?)values(s)[i]));
            }

            return map;
        }

        Scored[] withQa = questions
            .Where(s => s.Result.F1 is not null || s.Result.Bleu1 is not null || s.Result.JudgeScore is not null)
            .ToArray();
        QaSummary? qa = withQa.Length == 0
            ? null
            : new QaSummary(
                withQa.Length,
                Mean(withQa.Select(s => s.Result.F1)),
                Mean(withQa.Select(s => s.Result.Bleu1)),
                Mean(withQa.Select(s => s.Result.JudgeScore)))
            {
                JudgeUnparsed = withQa.Count(s => s.Result.JudgeUnparsed),
            };

        return new MetricGroup(
            questions.Length,
            scored.Length,
            sessionScored.Length,
            PerK(scored, s => s.Recall!),
            PerK(scored, s => s.AnyHit!),
            PerK(sessionScored, s => s.SessionRecall!),
            PerK(sessionScored, s => s.SessionAny!),
            PerK(sessionScored, s => s.SessionAll!),
            PerK(scored, s => s.Ndcg!),
            Mean(scored.Select(s => s.Mrr)),
            qa);
    }

    private static LatencySummary Latencies(Scored[] all, double[] ingest, double[] prepare, long items, TimeSpan? wall)
    {
        double[] search = all.Select(s => s.Result.SearchLatencyMs).ToArray();
        Array.Sort(search);
        Array.Sort(ingest);
        Array.Sort(prepare);
        double seconds = wall?.TotalSeconds ?? (ingest.Sum() / 1000);
        return new LatencySummary(
            search.Length,
            Percentile(search, 50),
            Percentile(search, 95),
            Percentile(search, 99),
            ingest.Length,
            Percentile(ingest, 50),
            Percentile(ingest, 95),
            Percentile(ingest, 99),
            seconds > 0 ? items / seconds : null)
        {
            PrepareCount = prepare.Length,
            PrepareP50 = Percentile(prepare, 50),
            PrepareP95 = Percentile(prepare, 95),
            PrepareP99 = Percentile(prepare, 99),
        };
    }

    private static double? Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? null : Percentiles.FromSorted(sorted, p);

    private static double? Mean(IEnumerable<double?> values)
    {
        double sum = 0;
        int n = 0;
        foreach (double? value in values)
        {
            if (value is { } v)
            {
                sum += v;
                n++;
            }
        }

        return n == 0 ? null : sum / n;
    }

    /// <summary>A recorded result with its per-k scores precomputed; arrays are null when the metric is undefined.</summary>
    private sealed record Scored(
        QuestionResult Result,
        double[]? Recall,
        double[]? AnyHit,
        double[]? Ndcg,
        double[]? SessionRecall,
        double[]? SessionAny,
        double[]? SessionAll,
        double? Mrr);
}
