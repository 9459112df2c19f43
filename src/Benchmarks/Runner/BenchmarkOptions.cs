namespace AgentMem.Benchmarks.Runner;

/// <summary>Options of a benchmark run, with the defaults the README's numbers use.</summary>
public sealed class BenchmarkOptions
{
    /// <summary>Cut-offs for recall-style metrics (default 1, 5, 10, 20).</summary>
    public IReadOnlyList<int> Ks { get; set; } = EvaluationAccumulator.DefaultKs;

    /// <summary>Turn- or session-level memories.</summary>
    public Granularity Granularity { get; set; } = Granularity.Turn;

    /// <summary>Evaluate only the first N questions (their conversations only are ingested); null for all.</summary>
    public int? Limit { get; set; }

    /// <summary>
    /// Only these conversations, by 1-based position in the dataset (e.g. held-out halves: 1–5 to tune,
    /// 6–10 to report); null for all. When given, at least one, each at least 1.
    /// </summary>
    public IReadOnlySet<int>? ConversationPositions { get; set; }

    /// <summary>Count adversarial questions (LoCoMo category 5, LongMemEval abstention) in the headline numbers.</summary>
    public bool IncludeAdversarial { get; set; }

    /// <summary>Retrieved memories given to the reader as context, and counted for context tokens (default 10).</summary>
    public int ContextK { get; set; } = 10;

    /// <summary>Retriever to evaluate, by name (see <see cref="MemoryCore.MemoryOS.RetrieverNames"/>); null for the default.</summary>
    public string? Retriever { get; set; }

    /// <summary>A second retriever searched in the same run and reported beside the first (e.g. <c>bm25</c>); null for none.</summary>
    public string? BaselineRetriever { get; set; }

    /// <summary>Hits each search asks for; null for the largest k (at least <see cref="ContextK"/>). A feature dump for training a reranker asks for its depth.</summary>
    public int? SearchK { get; set; }

    /// <summary>Tenant the run writes in (each conversation gets its own cube).</summary>
    public string Tenant { get; set; } = "bench";

    /// <summary>
    /// <see cref="Validate"/>, and then settings that cannot work on <paramref name="dataset"/>: a conversation position past
    /// its end, or a selection (the whole dataset, or the chosen conversations) without questions.
    /// </summary>
    public void ValidateFor(BenchmarkDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        Validate();

        // A position past the end selected nothing, and the run reported its 0 questions (or a subset) as done.
        if (ConversationPositions?.Where(p => p > dataset.Conversations.Count).Order().FirstOrDefault() is > 0 and int beyond)
        {
            throw new ArgumentException($"Conversation {beyond} was asked for, but the dataset has {dataset.Conversations.Count}.", nameof(dataset));
        }

        // Nothing to ask: the run ingested nothing and reported its 0 questions as done, every metric n/a.
        if (Select(dataset).Count == 0)
        {
            throw new ArgumentException(ConversationPositions is { } positions
                ? $"Conversation{(positions.Count == 1 ? string.Empty : "s")} {string.Join(",", positions.Order())} of {dataset.SourcePath} hold{(positions.Count == 1 ? "s" : string.Empty)} no questions; choose others."
                : $"The dataset {dataset.SourcePath} holds no questions.", nameof(dataset));
        }
    }

    /// <summary>The questions a run of these options asks of <paramref name="dataset"/>: those of the chosen conversations, up to <see cref="Limit"/>.</summary>
    internal List<BenchQuestion> Select(BenchmarkDataset dataset)
    {
        IEnumerable<BenchQuestion> selected = dataset.Questions;
        if (ConversationPositions is { } positions)
        {
            var chosen = dataset.Conversations.Where((_, i) => positions.Contains(i + 1)).Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
            selected = selected.Where(q => chosen.Contains(q.ConversationId));
        }

        return Limit is { } limit ? selected.Take(limit).ToList() : selected.ToList();
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> when each search would ask for more hits (<see cref="SearchK"/>, or the largest
    /// of <see cref="Ks"/> and <see cref="ContextK"/>) than a <see cref="MemoryOS"/> with <paramref name="memory"/> returns
    /// (<see cref="MemoryOSOptions.MaxSearchK"/>).
    /// </summary>
    /// <param name="memory">The options of the memory the run searches.</param>
    public void ValidateFor(MemoryOSOptions memory)
    {
        ArgumentNullException.ThrowIfNull(memory);

        // The first search refused it, after every conversation had been ingested.
        if (HitsPerSearch > memory.MaxSearchK)
        {
            throw new ArgumentException($"Each search would ask for {HitsPerSearch} hits (SearchK, or the largest of Ks and ContextK), but the memory returns at most {memory.MaxSearchK} (MemoryOSOptions.MaxSearchK).", nameof(memory));
        }
    }

    /// <summary>Hits each search asks for: <see cref="SearchK"/>, or the largest of <see cref="Ks"/> and <see cref="ContextK"/>.</summary>
    internal int HitsPerSearch => SearchK ?? Math.Max(Ks.Max(), ContextK);

    /// <summary>Throws <see cref="ArgumentException"/> for settings that cannot work.</summary>
    public void Validate()
    {
        if (SearchK is { } searchK)
        {
            OptionsGuard.Between(searchK, 1, 10_000, nameof(SearchK));
        }

        if (Ks.Count == 0 || Ks.Any(k => k < 1 || k > 1000))
        {
            throw new ArgumentException("Ks must be a non-empty list of cut-offs between 1 and 1000.", nameof(Ks));
        }

        if (Limit is < 1)
        {
            throw new ArgumentException("Limit must be at least 1 when given.", nameof(Limit));
        }

        // An empty set selected no conversation, and the run of 0 questions was reported as done; position 0 was ignored.
        if (ConversationPositions is { } positions && (positions.Count == 0 || positions.Min() < 1))
        {
            throw new ArgumentException("ConversationPositions must name at least one conversation, by 1-based position, when given.", nameof(ConversationPositions));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(ContextK, 1, nameof(ContextK));
        ArgumentException.ThrowIfNullOrWhiteSpace(Tenant, nameof(Tenant));

        // Fewer hits than a cut-off made R@20 a copy of R@5 and MRR@20 an MRR@5, printed under the larger k's name.
        if (SearchK is { } hits && (hits < Ks.Max() || hits < ContextK))
        {
            throw new ArgumentException($"SearchK ({hits}) must be at least the largest k ({Ks.Max()}) and ContextK ({ContextK}).", nameof(SearchK));
        }
    }
}
