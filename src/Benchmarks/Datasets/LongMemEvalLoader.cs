using System.Collections.ObjectModel;

namespace AgentMem.Benchmarks.Datasets;

/// <summary>
/// Loads LongMemEval (<c>longmemeval_s/_m/_oracle</c> and samples of them): a JSON array of
/// questions, each carrying its own haystack of sessions.
/// </summary>
/// <remarks>
/// One conversation per question (id = <c>question_id</c>); session id = haystack session id;
/// turn id = <c>{sessionId}:{index}</c>; evidence turns = turns with <c>has_answer: true</c>;
/// evidence sessions = the <c>answer_session_ids</c> holding an evidence turn (LongMemEval's own scoring makes one
/// without any a non-answer session; each is counted in <see cref="DatasetDiagnostics.DroppedEvidenceReferences"/>),
/// each with the copies of it a haystack repeats (a
/// repeated session id is renamed <c>{id}~2</c>, <c>~3</c>, …, and a copy of an answer session is
/// as much the answer as the first: <see cref="BenchQuestion.EvidenceCopies"/> maps it to the first, so a
/// hit on either copy counts, once); category = <c>question_type</c>; <c>_abs</c>
/// questions are adversarial (abstention). The array is streamed one question at a time and
/// sessions repeated across haystacks share one turn list, so the 500-session <c>_m</c> file
/// does not need several copies of its text in memory.
/// </remarks>
public static partial class LongMemEvalLoader
{
    /// <summary>Dataset kind name.</summary>
    public const string Kind = "longmemeval";

    private const string AbstentionSuffix = "_abs";

    private static readonly string[] DateFormats = ["yyyy/MM/dd HH:mm", "yyyy/MM/dd H:mm", "yyyy/MM/dd HH:mm:ss", "yyyy/MM/dd"];

    /// <summary>Reads and validates a LongMemEval file, blocking until done.</summary>
    /// <param name="path">Path of a LongMemEval JSON file.</param>
    /// <returns>The dataset.</returns>
    /// <exception cref="DatasetFormatException">The file is not valid LongMemEval JSON.</exception>
    public static BenchmarkDataset Load(string path) => LoadAsync(path).GetAwaiter().GetResult();

    /// <summary>Streams, validates and loads a LongMemEval file.</summary>
    /// <param name="path">Path of a LongMemEval JSON file.</param>
    /// <param name="cancellationToken">Cancels reading.</param>
    /// <returns>The dataset.</returns>
    /// <exception cref="DatasetFormatException">The file is not valid LongMemEval JSON.</exception>
    public static async Task<BenchmarkDataset> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var src = new JsonSource(path);
        var diagnostics = new DiagnosticsBuilder();
        var conversations = new List<BenchConversation>();
        var questions = new List<BenchQuestion>();
        var sharedTurns = new Dictionary<string, IReadOnlyList<BenchTurn>>(StringComparer.Ordinal);
        var questionIds = new HashSet<string>(StringComparer.Ordinal);

        var stream = new HashingReadStream(OpenArrayFile(src));
        await using (stream.ConfigureAwait(false))
        {
            int index = 0;
            try
            {
                await foreach (JsonElement element in JsonSerializer
                    .DeserializeAsyncEnumerable<JsonElement>(stream, cancellationToken: cancellationToken)
                    .ConfigureAwait(false))
                {
                    string itemPath = JsonSource.Index("$", index++);
                    (BenchConversation conversation, BenchQuestion question) =
                        ReadQuestion(src, element, itemPath, sharedTurns, diagnostics);
                    if (!questionIds.Add(question.Id))
                    {
                        throw src.Error(JsonSource.Child(itemPath, "question_id"), $"duplicate question_id '{question.Id}'");
                    }

                    conversations.Add(conversation);
                    questions.Add(question);
                }
            }
            catch (JsonException ex)
            {
                // By line and byte: the questions yielded so far are no position, since the reader parses a buffer of them
                // before yielding any (a stray quote in $[200] blamed $[175], and text after the array blamed $[0]).
                throw JsonSource.NotValidJson(path, ex);
            }

            if (questions.Count == 0)
            {
                throw src.Error("$", "expected a non-empty array of questions but the array is empty");
            }

            return new BenchmarkDataset(Kind, conversations, questions, Path.GetFullPath(path))
            {
                Sha256 = stream.Finish(),
                Diagnostics = diagnostics.Build(),
            };
        }
    }

    /// <summary>
    /// Opens the file positioned at its start after checking the root is an array: the streaming
    /// deserializer's own message for a non-array root is cryptic.
    /// </summary>
    private static FileStream OpenArrayFile(JsonSource src)
    {
        var file = new FileStream(src.FilePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        try
        {
            int b;
            do
            {
                b = file.ReadByte();
            }
            while (b is ' ' or '\t' or '\r' or '\n' or 0xEF or 0xBB or 0xBF);
            if (b != '[')
            {
                throw src.Error("$", b < 0 ? "file is empty; expected a JSON array of questions" : "expected a JSON array of questions");
            }

            file.Position = 0;
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static (BenchConversation, BenchQuestion) ReadQuestion(
        JsonSource src,
        JsonElement item,
        string path,
        Dictionary<string, IReadOnlyList<BenchTurn>> sharedTurns,
        DiagnosticsBuilder diagnostics)
    {
        src.Object(item, path);
        string questionId = src.String(item, "question_id", path);
        string questionType = src.String(item, "question_type", path);
        string question = src.String(item, "question", path);
        string answer = src.OptionalScalar(item, "answer", path)
            ?? throw src.Error(path, "missing required field 'answer'");
        string? questionDateText = src.OptionalString(item, "question_date", path);
        DateTimeOffset? questionDate = questionDateText is null
            ? null
            : ParseDate(src, questionDateText, JsonSource.Child(path, "question_date"));

        JsonElement ids = src.RequiredArray(item, "haystack_session_ids", path);
        JsonElement dates = src.RequiredArray(item, "haystack_dates", path);
        JsonElement sessions = src.RequiredArray(item, "haystack_sessions", path);
        int count = ids.GetArrayLength();
        if (dates.GetArrayLength() != count || sessions.GetArrayLength() != count)
        {
            throw src.Error(path, string.Create(
                CultureInfo.InvariantCulture,
                $"haystack_session_ids ({count}), haystack_dates ({dates.GetArrayLength()}) and haystack_sessions ({sessions.GetArrayLength()}) must have the same length"));
        }

        var benchSessions = new List<BenchSession>(count);
        var evidenceTurns = new List<string>();
        var sessionIds = new HashSet<string>(StringComparer.Ordinal);
        var renamed = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        string idsPath = JsonSource.Child(path, "haystack_session_ids");
        string datesPath = JsonSource.Child(path, "haystack_dates");
        string sessionsPath = JsonSource.Child(path, "haystack_sessions");
        for (int s = 0; s < count; s++)
        {
            string sessionId = src.AsString(ids[s], JsonSource.Index(idsPath, s));
            if (!sessionIds.Add(sessionId))
            {
                // Duplicate ids would make turn ids ambiguous; keep both sessions under distinct ids.
                string original = sessionId;
                int n = 2;
                while (!sessionIds.Add(sessionId = string.Create(CultureInfo.InvariantCulture, $"{original}~{n}")))
                {
                    n++;
                }

                diagnostics.Note($"{questionId}: haystack session '{original}' repeated; renamed to '{sessionId}'");
                (renamed.TryGetValue(original, out List<string>? copies) ? copies : renamed[original] = []).Add(sessionId);
            }

            string dateText = src.AsString(dates[s], JsonSource.Index(datesPath, s));
            DateTimeOffset date = ParseDate(src, dateText, JsonSource.Index(datesPath, s));
            List<BenchTurn> turns = ReadTurns(src, sessions[s], JsonSource.Index(sessionsPath, s), sessionId, evidenceTurns);
            benchSessions.Add(new BenchSession(sessionId, date, Share(sharedTurns, sessionId, turns)));
        }

        var evidenceSessions = new List<string>();
        var evidenceCopies = new Dictionary<string, string>(StringComparer.Ordinal);
        var answering = evidenceTurns.Select(TurnIds.SessionOf).ToHashSet(StringComparer.Ordinal);
        foreach (string answerSession in src.OptionalStringArray(item, "answer_session_ids", path))
        {
            if (!sessionIds.Contains(answerSession))
            {
                diagnostics.Drop($"{questionId}: answer session '{answerSession}' is not in the haystack; ignored");
                continue;
            }

            // LongMemEval scores an answer session none of whose turns has has_answer as a non-answer session: its
            // run_retrieval.py (process_item_flat_index) renames it 'noans', and at turn granularity the gold is the
            // has_answer turns, whose sessions its evaluate_retrieval_turn2session scores. Gold here, it halved session
            // recall and held recall_all at 0 however well the evidence ranked. (LongMemEval indexes user turns only;
            // every turn is indexed and may be evidence here, so a has_answer turn of either role keeps its session.)
            List<string> named = renamed.GetValueOrDefault(answerSession)?.Prepend(answerSession).ToList() ?? [answerSession];
            if (!named.Any(answering.Contains))
            {
                diagnostics.Drop($"{questionId}: answer session '{answerSession}' has no has_answer turn; not gold (LongMemEval's 'noans')");
                continue;
            }

            foreach (string copy in renamed.GetValueOrDefault(answerSession) ?? [])
            {
                MapCopy(evidenceCopies, benchSessions, answerSession, copy);
            }

            // A repeated session is named once, by the id its copies share, and each copy's has_answer turns are gold.
            foreach (string gold in named)
            {
                if (answering.Contains(gold) && !evidenceSessions.Contains(gold))
                {
                    evidenceSessions.Add(gold);
                }
            }
        }

        var conversation = new BenchConversation(questionId, benchSessions);
        var benchQuestion = new BenchQuestion(
            questionId,
            questionId,
            question,
            answer,
            questionType,
            questionId.EndsWith(AbstentionSuffix, StringComparison.Ordinal),
            evidenceTurns,
            evidenceSessions,
            questionDate,
            AdversarialAnswer: null)
        {
            EvidenceCopies = evidenceCopies.Count == 0 ? ReadOnlyDictionary<string, string>.Empty : evidenceCopies,
        };
        return (conversation, benchQuestion);
    }

    /// <summary>
    /// Maps a repeated answer session's copy to the session it repeats, and each of the copy's turns that is the original's
    /// (same speaker, same text, same place) to that turn: one piece of evidence, which a retriever may find as either.
    /// </summary>
    private static void MapCopy(Dictionary<string, string> copies, List<BenchSession> sessions, string original, string copy)
    {
        copies[copy] = original;
        IReadOnlyList<BenchTurn> first = sessions.First(s => s.Id == original).Turns;
        IReadOnlyList<BenchTurn> again = sessions.First(s => s.Id == copy).Turns;
        for (int t = 0; t < Math.Min(first.Count, again.Count); t++)
        {
            if (first[t].Speaker == again[t].Speaker && first[t].Text == again[t].Text)
            {
                copies[again[t].Id] = first[t].Id;
            }
        }
    }

    private static List<BenchTurn> ReadTurns(
        JsonSource src,
        JsonElement session,
        string path,
        string sessionId,
        List<string> evidenceTurns)
    {
        var elements = src.Objects(session, path);
        var turns = new List<BenchTurn>(session.GetArrayLength());
        foreach ((JsonElement turn, string turnPath, int t) in elements)
        {
            string role = src.String(turn, "role", turnPath);
            string content = src.String(turn, "content", turnPath);
            string id = TurnIds.Create(sessionId, t);
            if (src.OptionalBool(turn, "has_answer", turnPath))
            {
                evidenceTurns.Add(id);
            }

            turns.Add(new BenchTurn(id, role, content));
        }

        return turns;
    }

    /// <summary>Returns the earlier identical turn list for this session id, if any, so haystacks share memory.</summary>
    private static IReadOnlyList<BenchTurn> Share(
        Dictionary<string, IReadOnlyList<BenchTurn>> sharedTurns,
        string sessionId,
        List<BenchTurn> turns)
    {
        if (sharedTurns.TryGetValue(sessionId, out IReadOnlyList<BenchTurn>? existing) && existing.SequenceEqual(turns))
        {
            return existing;
        }

        sharedTurns[sessionId] = turns;
        return turns;
    }

    // The weekday in "2023/05/20 (Sat) 02:21" is redundant; dropping it avoids rejecting a date over a mislabelled day.
    private static DateTimeOffset ParseDate(JsonSource src, string text, string path) =>
        src.Date(Weekday().Replace(text, " "), text, DateFormats, path, "2023/05/20 (Sat) 02:21");

    [GeneratedRegex(@"\(\s*[A-Za-z]{3,9}\s*\)", RegexOptions.CultureInvariant)]
    private static partial Regex Weekday();
}
