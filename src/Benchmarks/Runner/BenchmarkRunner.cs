using System.Net;
using AgentMem.Benchmarks.Qa;
using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Notes;
using AgentMem.MemoryCore.Ports;
using AgentMem.MemoryCore.Search;
using AgentMem.MemoryCore.Text;
using AgentMem.Retrieval.Tokens;
using Microsoft.Extensions.AI;

namespace AgentMem.Benchmarks.Runner;

/// <summary>
/// Runs a conversational-memory benchmark through the public <see cref="MemoryOS"/> API: each
/// conversation is ingested into its own cube (session date as event time), every question is
/// searched, and retrieval (and, with <see cref="QaOptions"/>, answer) quality is measured.
/// </summary>
public sealed class BenchmarkRunner
{
    private readonly MemoryOS memory;
    private readonly BenchmarkOptions options;
    private readonly ITokenCounter tokens;
    private readonly QaOptions? qa;
    private readonly List<string> oversized = [];
    private readonly List<string> blank = [];
    private int shortSessionRankings;
    private int baselineShortSessionRankings;
    private int ingested;

    /// <summary>
    /// Creates a runner over a memory facade (normally on a fresh, throwaway database). Context sizes are counted with
    /// <paramref name="tokenCounter"/>, default o200k_base (exact; its name goes into the manifest's <c>token_counter</c>).
    /// </summary>
    public BenchmarkRunner(MemoryOS memory, BenchmarkOptions options, ITokenCounter? tokenCounter = null, QaOptions? qa = null)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.memory = memory;
        this.options = options;
        tokens = tokenCounter ?? TokenCounters.Create(TokenCounters.DefaultSpec);
        if (qa is not null)
        {
            OptionsGuard.Positive(qa.MaxAnswerTokens, nameof(QaOptions.MaxAnswerTokens));
            OptionsGuard.Positive(qa.MaxJudgeTokens, nameof(QaOptions.MaxJudgeTokens));
        }

        this.qa = qa;
    }

    /// <summary>Ingests, searches and scores; <paramref name="hostManifest"/> entries (git commit, machine) are added to the manifest.</summary>
    /// <exception cref="BenchmarkInterruptedException">
    /// <paramref name="cancellationToken"/> was cancelled: an <see cref="OperationCanceledException"/> holding the questions
    /// scored before it (<see cref="BenchmarkInterruptedException.Partial"/>, marked <c>interrupted</c> in its manifest).
    /// </exception>
    public async Task<BenchmarkRun> RunAsync(BenchmarkDataset dataset, IReadOnlyDictionary<string, object?>? hostManifest = null, IProgress<BenchmarkProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        options.ValidateFor(dataset);
        options.ValidateFor(memory.Options);
        var questions = options.Select(dataset);
        var needed = questions.Select(q => q.ConversationId).ToHashSet(StringComparer.Ordinal);
        var conversations = dataset.Conversations.Where(c => needed.Contains(c.Id)).ToList();
        var missing = needed.Except(conversations.Select(c => c.Id), StringComparer.Ordinal).FirstOrDefault();
        if (missing is not null)
        {
            throw new DatasetFormatException($"Questions refer to conversation '{missing}', which the dataset does not contain.");
        }

        var scope = new Scope(options.Tenant);
        var accumulator = new EvaluationAccumulator(dataset.Name, options.Ks, excludeAdversarial: !options.IncludeAdversarial);
        var baseline = qa is { FullContextBaseline: true } ? new EvaluationAccumulator(dataset.Name, options.Ks, excludeAdversarial: !options.IncludeAdversarial) : null;
        var retrieverBaseline = options.BaselineRetriever is null ? null : new EvaluationAccumulator(dataset.Name, options.Ks, excludeAdversarial: !options.IncludeAdversarial);
        oversized.Clear();
        blank.Clear();
        shortSessionRankings = 0;
        baselineShortSessionRankings = 0;
        ingested = 0;
        int qaSkipped = 0;
        int baselineSkipped = 0;
        BenchmarkRun Finish(bool interrupted)
        {
            var built = accumulator.Build() with { QaSkipped = qaSkipped };
            if (baseline is not null)
            {
                built = built with { FullContextQa = baseline.Build().Overall.Qa, FullContextQaSkipped = baselineSkipped };
            }

            return new BenchmarkRun(built, BuildManifest(dataset, built.Questions, questions.Count, interrupted, hostManifest)) { Baseline = retrieverBaseline?.Build() };
        }

        try
        {
            var cubes = await IngestAsync(conversations, scope, accumulator, progress, cancellationToken).ConfigureAwait(false);
            if (PrepareCube is { } prepare)
            {
                // Off the search clock: the hybrid builds a cube's indexes on its first search, and with one question per cube
                // (LongMemEval, ConvoMem) every search timed was that build. Timed apart, one sample per cube, and reported as a
                // phase of its own: with a model embedder it can take longer than the ingest, and nothing was reported meanwhile.
                int prepared = 0;
                foreach (var cube in cubes.Values)
                {
                    long started = Clock.GetTimestamp();
                    await prepare(scope.Tenant, cube.CubeId, cancellationToken).ConfigureAwait(false);
                    accumulator.RecordPrepare(Clock.GetElapsedTime(started).TotalMilliseconds); // shared by the baseline, as the ingest is
                    progress?.Report(new BenchmarkProgress("prepare", ++prepared, cubes.Count));
                }
            }

            if (AfterIngest is { } afterIngest)
            {
                await afterIngest(scope.Tenant, cubes.Values.Select(c => c.CubeId).ToList(), cancellationToken).ConfigureAwait(false);
            }

            int maxK = options.Ks.Max();
            int searchK = options.HitsPerSearch;
            int done = 0;
            foreach (var question in questions)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var conversation = cubes[question.ConversationId];
                long started = Clock.GetTimestamp();
                var hits = await memory.SearchAsync(scope, conversation.CubeId, question.Question, searchK, retrieverName: options.Retriever, cancellationToken: cancellationToken).ConfigureAwait(false);
                double searchMs = Clock.GetElapsedTime(started).TotalMilliseconds;
                var (sessions, isShort) = await SessionRankingAsync(scope, conversation, question.Question, options.Retriever, hits, searchK, maxK, cancellationToken).ConfigureAwait(false);
                if (AfterSearch is { } afterSearch)
                {
                    await afterSearch(question, hits, cancellationToken).ConfigureAwait(false);
                }

                // Each count and result is kept only once the whole question is done: a run cancelled part way through one
                // reports the questions before it, every figure over the same questions.
                QuestionResult? baseResult = null;
                bool baseShort = false;
                if (retrieverBaseline is not null)
                {
                    started = Clock.GetTimestamp();
                    var baseHits = await memory.SearchAsync(scope, conversation.CubeId, question.Question, searchK, retrieverName: options.BaselineRetriever, cancellationToken: cancellationToken).ConfigureAwait(false);
                    double baseMs = Clock.GetElapsedTime(started).TotalMilliseconds;
                    (var baseSessions, baseShort) = await SessionRankingAsync(scope, conversation, question.Question, options.BaselineRetriever, baseHits, searchK, maxK, cancellationToken).ConfigureAwait(false);
                    baseResult = Score(question, baseHits, conversation, maxK, baseMs, baseSessions);
                }

                var result = Score(question, hits, conversation, maxK, searchMs, sessions);
                string context = FormatContext(hits.Take(options.ContextK), passages: true);
                bool skipped = false;
                Answer? full = null;
                bool fullSkipped = false;
                if (qa is not null)
                {
                    // Scored for retrieval either way: a question the endpoint cannot answer goes without QA scores, counted.
                    if (await TryAnswerAsync(dataset.Name, question, context, cancellationToken).ConfigureAwait(false) is { } answer)
                    {
                        result = answer.Score(result);
                    }
                    else
                    {
                        skipped = true;
                    }

                    if (baseline is not null)
                    {
                        full = await TryAnswerAsync(dataset.Name, question, conversation.FullContext, cancellationToken).ConfigureAwait(false);
                        fullSkipped = full is null;
                    }
                }

                shortSessionRankings += isShort ? 1 : 0;
                baselineShortSessionRankings += baseShort ? 1 : 0;
                qaSkipped += skipped ? 1 : 0;
                baselineSkipped += fullSkipped ? 1 : 0;
                if (baseResult is not null)
                {
                    retrieverBaseline!.Add(baseResult);
                }

                if (full is not null)
                {
                    baseline!.Add(full.Score(result));
                }

                accumulator.Add(result);
                progress?.Report(new BenchmarkProgress("search", ++done, questions.Count));
            }
        }
        catch (OperationCanceledException cancelled) when (cancellationToken.IsCancellationRequested)
        {
            throw new BenchmarkInterruptedException(Finish(interrupted: true), questions.Count, cancelled);
        }

        return Finish(interrupted: false);
    }

    private async Task<Dictionary<string, IngestedConversation>> IngestAsync(List<BenchConversation> conversations, Scope scope, EvaluationAccumulator accumulator, IProgress<BenchmarkProgress>? progress, CancellationToken cancellationToken)
    {
        int total = conversations.Sum(c => options.Granularity == Granularity.Turn ? c.Sessions.Sum(s => s.Turns.Count) : c.Sessions.Count);
        int done = 0;
        var ingestTime = TimeSpan.Zero;
        long segment = Clock.GetTimestamp();
        var result = new Dictionary<string, IngestedConversation>(StringComparer.Ordinal);
        foreach (var conversation in conversations)
        {
            var cube = await memory.CreateCubeAsync(scope, CubeName(conversation.Id), policy: new CubePolicy { Deduplicate = false }, cancellationToken: cancellationToken).ConfigureAwait(false);
            var sessionTurns = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            var full = new StringBuilder();
            foreach (var session in conversation.Sessions)
            {
                sessionTurns[session.Id] = session.Turns.Select(t => t.Id).ToList();
                foreach (var turn in session.Turns)
                {
                    AppendLine(full, session.Date, turn.Speaker, turn.Text);
                }

                foreach (var (reference, draft) in Drafts(session))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (draft is null)
                    {
                        // Nothing to store, yet a gold turn among these still counts against its question's recall:
                        // listed in the manifest, as oversized ones are, and counted in the progress, whose total holds it.
                        blank.Add($"{conversation.Id}/{reference}");
                        progress?.Report(new BenchmarkProgress("ingest", ++done, total));
                        continue;
                    }

                    int bytes = Encoding.UTF8.GetByteCount(draft.Text);
                    if (bytes > memory.Options.MaxContentBytes)
                    {
                        // One item over the hard limit costs its own questions, not the run: skipped, listed in the manifest.
                        oversized.Add(string.Create(CultureInfo.InvariantCulture, $"{conversation.Id}/{draft.SourceRef} ({bytes:N0} bytes)"));
                        progress?.Report(new BenchmarkProgress("ingest", ++done, total));
                        continue;
                    }

                    // One add per memory, as an agent writes while the conversation goes on.
                    var watch = Stopwatch.StartNew();
                    if (Notes is null)
                    {
                        await memory.AddAsync(scope, cube.Id, draft, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await Notes.AddAsync(scope, cube.Id, draft, cancellationToken).ConfigureAwait(false);
                    }

                    accumulator.RecordIngest(watch.Elapsed.TotalMilliseconds);
                    progress?.Report(new BenchmarkProgress("ingest", ++done, total));
                }
            }

            // Counting the whole conversation's tokens (for the context-size figures) is the benchmark's work, not ingest:
            // off the clock, or a long LongMemEval haystack per question understated the ingest rate.
            ingestTime += Clock.GetElapsedTime(segment);
            string fullContext = full.ToString();
            result[conversation.Id] = new IngestedConversation(cube.Id, sessionTurns, fullContext, tokens.CountTokens(fullContext));
            ingested++;
            segment = Clock.GetTimestamp();
        }

        accumulator.SetIngestWallTime(ingestTime + Clock.GetElapsedTime(segment));
        return result;
    }

    /// <summary>
    /// At turn granularity, the session of each turn of a ranking deep enough to hold <paramref name="maxK"/> distinct
    /// sessions (LongMemEval's turn2session takes @k as the first k distinct sessions, src/retrieval/eval_utils.py): the
    /// timed search's hits, or, when they hold fewer sessions and the cube may hold more, an untimed search for twice as
    /// many hits, again, up to <see cref="MemoryOSOptions.MaxSearchK"/>, and whether the ranking is still short there
    /// (counted per retriever: the manifest's <c>session_rankings_short</c> and <c>baseline_session_rankings_short</c>).
    /// Null at session granularity, where each hit is a session. A turn's session is the one the dataset put it in
    /// (<see cref="IngestedConversation.SessionOf"/>), as the gold sessions are.
    /// </summary>
    private async Task<(IReadOnlyList<string>? Sessions, bool Short)> SessionRankingAsync(Scope scope, IngestedConversation conversation, string query, string? retriever, IReadOnlyList<SearchHit> hits, int searchK, int maxK, CancellationToken cancellationToken)
    {
        if (options.Granularity != Granularity.Turn)
        {
            return (null, false);
        }

        string cubeId = conversation.CubeId;
        List<string> SessionsOf(IReadOnlyList<SearchHit> ranked) => [.. ranked.Select(h => conversation.SessionOf(h.Item.Provenance.SourceRef ?? string.Empty))];
        var sessions = SessionsOf(hits);
        int k = searchK;
        int max = memory.Options.MaxSearchK;
        while (sessions.Distinct(StringComparer.Ordinal).Count() < maxK && hits.Count >= k)
        {
            if (k >= max)
            {
                return (sessions, true);
            }

            // Not recorded as a recall: the deeper search only reads the ranking on, for scoring.
            k = Math.Min(k * 2, max);
            hits = await memory.SearchAsync(scope, cubeId, query, new SearchOptions { K = k, Retriever = retriever, RecordRecall = false }, cancellationToken).ConfigureAwait(false);
            sessions = SessionsOf(hits);
        }

        return (sessions, false);
    }

    private QuestionResult Score(BenchQuestion question, IReadOnlyList<SearchHit> hits, IngestedConversation conversation, int maxK, double searchMs, IReadOnlyList<string>? sessionRanking)
    {
        var top = hits.Take(maxK).Select(h => h.Item.Provenance.SourceRef ?? string.Empty).ToList();
        var context = hits.Take(options.ContextK).ToList();
        long contextTokens = tokens.CountTokens(FormatContext(context, passages: true));
        long wholeTokens = tokens.CountTokens(FormatContext(context, passages: false));
        var result = options.Granularity == Granularity.Turn
            ? QuestionResult.ForQuestion(question, top, searchMs, contextTokens, conversation.FullContextTokens) with { RankedSessionIds = sessionRanking }
            : QuestionResult.ForQuestion(question, top.SelectMany(conversation.TurnsOf).ToList(), searchMs, contextTokens, conversation.FullContextTokens)
                with { RankedSessionIds = top, RankedTurnGroups = top.Select(conversation.TurnsOf).ToList() };
        return result with { WholeContextTokens = wholeTokens };
    }

    /// <summary>
    /// The memories of a session, one per turn or one for the whole session, each with the reference it is listed by when
    /// skipped; an item with nothing to store (a turn without text, e.g. an image without caption, or a session without
    /// turns) comes without a draft. One item per turn or session, as the ingest progress counts them.
    /// </summary>
    private IEnumerable<(string Reference, MemoryDraft? Draft)> Drafts(BenchSession session)
    {
        if (options.Granularity == Granularity.Session)
        {
            if (session.Turns.Count == 0)
            {
                yield return (session.Id + " (no turns)", null);
                yield break;
            }

            var text = new StringBuilder();
            foreach (var turn in session.Turns)
            {
                text.Append(turn.Speaker).Append(": ").Append(turn.Text).Append('\n');
            }

            yield return (session.Id, new MemoryDraft(text.ToString()) { SourceRef = session.Id, Session = session.Id, ValidFrom = session.Date });
            yield break;
        }

        foreach (var turn in session.Turns)
        {
            yield return (turn.Id, MemoryCore.Validation.ContentRules.IsBlank(turn.Text) // as the store counts blank: invisible characters too
                ? null
                : new MemoryDraft(turn.Text) { Actor = turn.Speaker, SourceRef = turn.Id, Session = session.Id, ValidFrom = session.Date });
        }
    }

    /// <summary>
    /// <see cref="AnswerAsync"/>, or null when the endpoint could not give the answer: the reader or the judge refused the
    /// request or gave up after its retries (<see cref="HttpRequestException"/>: a 400 for a prompt over the model's context
    /// window, a content filter, a 502 that outlasted the retries, a 200 whose body is not a chat completion) or timed out. The caller skips that question's answer
    /// and counts it; one failure ended the run, and every question answered so far, the retrieval metrics and the ingest
    /// were lost with it. Cancelling the run still cancels it. A refusal that every question would meet (401, 403: the key;
    /// 404: the model or URL) still ends the run at once, instead of after one failed call per question.
    /// </summary>
    private async Task<Answer?> TryAnswerAsync(string datasetKind, BenchQuestion question, string context, CancellationToken cancellationToken)
    {
        try
        {
            return await AnswerAsync(datasetKind, question, context, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException { StatusCode: not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound) }
                                  || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return null;
        }
    }

    /// <summary>
    /// Asks the reader and scores its answer. An adversarial or abstention question (LoCoMo's category 5, LongMemEval's
    /// <c>_abs</c>, ConvoMem's abstention items) is answered right when the reader declines (<see cref="AnswerMetrics.Declines"/>,
    /// LoCoMo's own rule): its gold, when it has one, explains why there is no answer. LoCoMo's other categories are scored
    /// by its per-category rules (<see cref="AnswerMetrics.LocomoF1"/>).
    /// </summary>
    private async Task<Answer> AnswerAsync(string datasetKind, BenchQuestion question, string context, CancellationToken cancellationToken)
    {
        string? gold = question.Answer;
        var reply = await qa!.Reader.GetResponseAsync(
            [new ChatMessage(ChatRole.System, QaPrompts.ReaderSystem), new ChatMessage(ChatRole.User, QaPrompts.ReaderUser(context, question.Question, question.QuestionDate))],
            new ChatOptions { Temperature = 0, MaxOutputTokens = qa.MaxAnswerTokens, ModelId = qa.ReaderModel },
            cancellationToken).ConfigureAwait(false);
        string answer = reply.Text.Trim();
        double? declined = question.IsAdversarial ? (AnswerMetrics.Declines(answer) ? 1 : 0) : null;
        if (gold is null)
        {
            return new Answer(declined, null, null, JudgeUnparsed: false);
        }

        double? judge = null;
        bool unparsed = false;
        if (qa.Judge is not null)
        {
            var verdict = await qa.Judge.GetResponseAsync(
                [new ChatMessage(ChatRole.System, QaPrompts.JudgeSystem), new ChatMessage(ChatRole.User, QaPrompts.JudgeUser(question.Question, gold, answer))],
                new ChatOptions { Temperature = 0, MaxOutputTokens = qa.MaxJudgeTokens, ModelId = qa.JudgeModel },
                cancellationToken).ConfigureAwait(false);
            judge = QaPrompts.ParseVerdict(verdict.Text);
            unparsed = judge is null;
        }

        double f1 = declined ?? (datasetKind == LocomoLoader.Kind ? AnswerMetrics.LocomoF1(answer, gold, question.Category) : AnswerMetrics.TokenF1(answer, gold));
        return new Answer(f1, declined is null ? AnswerMetrics.Bleu1(answer, gold) : null, judge, unparsed);
    }

    /// <summary>The reader's context: each hit on a line, a long memory as its matched passage when <paramref name="passages"/>.</summary>
    private static string FormatContext(IEnumerable<SearchHit> hits, bool passages)
    {
        var sb = new StringBuilder();
        foreach (var hit in hits)
        {
            var item = hit.Item;
            AppendLine(sb, item.ValidFrom, item.Provenance.Actor, passages ? hit.Excerpt : item.Text);
        }

        return sb.ToString();
    }

    private static void AppendLine(StringBuilder sb, DateTimeOffset? date, string? speaker, string text)
    {
        if (date is { } d)
        {
            sb.Append(CultureInfo.InvariantCulture, $"[{d:yyyy-MM-dd}] ");
        }

        if (!string.IsNullOrEmpty(speaker))
        {
            sb.Append(speaker).Append(": ");
        }

        sb.Append(text.TrimEnd()).Append('\n');
    }

    private static string CubeName(string conversationId)
    {
        // Cube names are limited to 128 characters; long ids keep a readable prefix and a unique hash.
        string name = "conv-" + conversationId;
        if (name.Length <= 128)
        {
            return name;
        }

        string hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(conversationId)))[..16];
        return string.Concat(name.AsSpan(0, 100), "-", hash);
    }

    /// <summary>
    /// Builds one cube's search indexes (tenant, cube id), for every retriever the run searches with, once every
    /// conversation is ingested and before the first question (e.g. <c>RetrievalState.PrepareAsync</c>). A retriever that
    /// builds a cube's indexes on its first search otherwise has that build timed as the search; each call is timed apart
    /// (<see cref="LatencySummary.PrepareCount"/>) and the manifest's <c>search_latency</c> says which the searches measure.
    /// </summary>
    public Func<string, string, CancellationToken, Task>? PrepareCube { get; init; }

    /// <summary>
    /// Called with the tenant and the cubes once every conversation is ingested (and prepared, <see cref="PrepareCube"/>),
    /// before the first question: a host whose embedder works in the background waits here for every vector
    /// (<c>--wait-for-embeddings</c>), so runs are repeatable. The runner reports no progress of its own meanwhile; a host
    /// whose wait is long reports it (the CLI as an <c>embed</c> phase).
    /// </summary>
    public Func<string, IReadOnlyList<string>, CancellationToken, Task>? AfterIngest { get; init; }

    /// <summary>The clock of the ingest wall time, the cube preparations and the searches (tests give their own).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Called with each question and the evaluated retriever's hits (e.g. to dump reranker features for training).</summary>
    public Func<BenchQuestion, IReadOnlyList<SearchHit>, CancellationToken, Task>? AfterSearch { get; init; }

    /// <summary>How the evaluated retriever is configured, for the manifest (set by the host, which composed it).</summary>
    public string? RetrieverConfiguration { get; init; }

    /// <summary>
    /// When set, memories are ingested as Zettelkasten notes through this keeper (keywords, tags, context, links, evolution)
    /// instead of plain adds; it must wrap the same <see cref="MemoryOS"/>.
    /// </summary>
    public NoteKeeper? Notes { get; init; }

    private Dictionary<string, object?> BuildManifest(BenchmarkDataset dataset, int evaluated, int selected, bool interrupted, IReadOnlyDictionary<string, object?>? host)
    {
        var manifest = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["dataset_kind"] = dataset.Name,
            ["dataset_file"] = Path.GetFileName(dataset.SourcePath),
            ["dataset_sha256"] = dataset.Sha256,
            ["questions_evaluated"] = evaluated,

            // Cancelled part way (BenchmarkInterruptedException.Partial): the figures cover the questions scored before it.
            ["questions_selected"] = selected,
            ["interrupted"] = interrupted,
            ["conversations_ingested"] = ingested,
            ["granularity"] = options.Granularity.ToString().ToLowerInvariant(),
            ["ks"] = string.Join(",", options.Ks),
            ["context_k"] = options.ContextK,
            ["limit"] = options.Limit,
            ["conversations"] = options.ConversationPositions is null ? "all" : string.Join(",", options.ConversationPositions.Order()),
            ["adversarial_included_in_headline"] = options.IncludeAdversarial,
            ["category_mapping"] = CategoryNames(dataset.Name),
            ["retriever"] = memory.ResolveRetrieverName(options.Retriever),
            ["baseline_retriever"] = options.BaselineRetriever,
            ["retriever_config"] = RetrieverConfiguration,
            ["token_counter"] = tokens.Name,
            ["ingest_mode"] = "one MemoryOS.AddAsync per memory (one transaction each)",
            ["search_latency"] = PrepareCube is null
                ? "each search as timed: a cube's first search includes any index the retriever builds on it"
                : "warm searches: each cube's search indexes built before its questions, timed apart (prepare ms, one per cube)",
            ["qa"] = qa is null ? "skipped (no chat endpoint configured)" : "on",
            ["reader_model"] = qa?.ReaderModel,
            ["judge_model"] = qa?.JudgeModel,
            ["reader_prompt"] = qa is null ? null : QaPrompts.ReaderSystem,
            ["judge_prompt"] = qa?.Judge is null ? null : QaPrompts.JudgeSystem,
            ["reader_max_output_tokens"] = qa?.MaxAnswerTokens,

            // A reply cut off at the cap holds no verdict and is counted apart (judge_unparsed in result.json), not as wrong.
            ["judge_max_output_tokens"] = qa?.Judge is null ? null : qa.MaxJudgeTokens,
            ["evidence_dropped"] = dataset.Diagnostics.DroppedEvidenceReferences,
            ["evidence_repaired"] = dataset.Diagnostics.RepairedEvidenceReferences,

            // An evidence message that matched no turn shrank its question's gold set (and raised its recall) unseen.
            ["evidence_unmatched"] = dataset.Diagnostics.UnmatchedEvidenceMessages,
            ["dataset_notes"] = dataset.Diagnostics.Notes.Count == 0 ? null : string.Join("; ", dataset.Diagnostics.Notes),
            ["max_content_bytes"] = memory.Options.MaxContentBytes,
            ["oversized_turns_skipped"] = oversized.Count,
            ["oversized_turns"] = oversized.Count == 0 ? null : string.Join("; ", oversized),

            // Turns without text (sessions without turns at session granularity): nothing stored, still gold if they were.
            ["blank_turns_skipped"] = blank.Count,
            ["blank_turns"] = blank.Count == 0 ? null : string.Join("; ", blank),

            // Session metrics take @k as the first k distinct sessions; a turn ranking of MaxSearchK hits can hold fewer.
            // One count per retriever: together, one question could count twice, and neither's session metrics were known.
            ["session_rankings_short"] = options.Granularity == Granularity.Turn ? shortSessionRankings : null,
            ["baseline_session_rankings_short"] = options.Granularity == Granularity.Turn && options.BaselineRetriever is not null ? baselineShortSessionRankings : null,
        };
        if (host is not null)
        {
            foreach (var (key, value) in host)
            {
                manifest[key] = value;
            }
        }

        return manifest;
    }

    private static string? CategoryNames(string datasetKind) => datasetKind switch
    {
        "locomo" => "1=multi-hop, 2=temporal, 3=open-domain, 4=single-hop, 5=adversarial",
        "longmemeval" => "question_type as given; *_abs questions are abstention (adversarial)",
        "convomem" => "evidence category as given",
        "longchat" => "assistant-fact, user-fact, updated-fact, two-facts, giant-message (docs/longchat.md)",
        _ => null,
    };

    /// <summary>One answer's scores; a judge reply without a verdict leaves <paramref name="Judge"/> null and says so.</summary>
    private sealed record Answer(double? F1, double? Bleu, double? Judge, bool JudgeUnparsed)
    {
        /// <summary>The question's result with these scores.</summary>
        public QuestionResult Score(QuestionResult result) => result with { F1 = F1, Bleu1 = Bleu, JudgeScore = Judge, JudgeUnparsed = JudgeUnparsed };
    }

    private sealed record IngestedConversation(string CubeId, IReadOnlyDictionary<string, IReadOnlyList<string>> SessionTurns, string FullContext, long FullContextTokens)
    {
        private readonly Dictionary<string, string> sessionOfTurn = SessionOfTurn(SessionTurns);

        /// <summary>The turns a session-level memory stands for, in order.</summary>
        public IReadOnlyList<string> TurnsOf(string sessionId) => SessionTurns.TryGetValue(sessionId, out var ids) ? ids : [];

        /// <summary>
        /// The session the dataset put a turn in, as its gold sessions name it. Read from the turn id's text
        /// (<see cref="TurnIds.SessionOf"/>) only for an id the conversation lacks: a LoCoMo-schema file whose dia_ids are not
        /// "D&lt;N&gt;:&lt;i&gt;" ("S2-1") scored every hit a miss on every session metric.
        /// </summary>
        public string SessionOf(string turnId) => sessionOfTurn.TryGetValue(turnId, out string? session) ? session : TurnIds.SessionOf(turnId);

        private static Dictionary<string, string> SessionOfTurn(IReadOnlyDictionary<string, IReadOnlyList<string>> sessionTurns)
        {
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (session, turns) in sessionTurns)
            {
                foreach (string turn in turns)
                {
                    map.TryAdd(turn, session);
                }
            }

            return map;
        }
    }
}
