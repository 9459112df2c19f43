namespace AgentMem.Benchmarks.Datasets;

/// <summary>
/// Loads LoCoMo (<c>locomo10.json</c>): a JSON array of samples, each with a <c>conversation</c>
/// holding <c>session_N</c> turn arrays and <c>session_N_date_time</c> strings, and a <c>qa</c> list.
/// </summary>
/// <remarks>
/// Sessions are ordered by N and get ids <c>DN</c>; turn ids are the <c>dia_id</c>s (<c>D3:7</c>);
/// question ids are <c>{sample_id}#q{index}</c>. Categories are integers in LoCoMo; a string category
/// (as <c>LocomoJsonWriter</c> writes for generated sets) is kept as is. Category 5
/// questions are adversarial. Evidence
/// strings holding several ids (<c>"D8:6; D9:17"</c>) are split; ids that only match after
/// canonicalisation (<c>D:11:26</c>, <c>D30:05</c>) are repaired; ids matching no turn are dropped.
/// Both are counted in <see cref="BenchmarkDataset.Diagnostics"/>. A sample may have no questions; a file must have some.
/// </remarks>
public static partial class LocomoLoader
{
    /// <summary>Dataset kind name.</summary>
    public const string Kind = "locomo";

    private const string AdversarialCategory = "5";

    private static readonly string[] DateFormats =
    [
        "h:mm tt 'on' d MMMM, yyyy",
        "h:mm tt 'on' d MMMM yyyy",
        "h:mm tt 'on' d MMM, yyyy",
    ];

    /// <summary>Reads and validates a LoCoMo file.</summary>
    /// <param name="path">Path of <c>locomo10.json</c> (or a file of the same schema).</param>
    /// <returns>The dataset.</returns>
    /// <exception cref="DatasetFormatException">The file is not valid LoCoMo JSON.</exception>
    public static BenchmarkDataset Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>Reads and validates a LoCoMo file asynchronously.</summary>
    /// <param name="path">Path of <c>locomo10.json</c>.</param>
    /// <param name="cancellationToken">Cancels the file read.</param>
    /// <returns>The dataset.</returns>
    /// <exception cref="DatasetFormatException">The file is not valid LoCoMo JSON.</exception>
    public static async Task<BenchmarkDataset> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        return Parse(bytes, path);
    }

    private static BenchmarkDataset Parse(byte[] bytes, string path)
    {
        var src = new JsonSource(path);
        var diagnostics = new DiagnosticsBuilder();
        var conversations = new List<BenchConversation>();
        var questions = new List<BenchQuestion>();

        using (JsonDocument doc = JsonSource.Parse(bytes, path))
        {
            JsonElement root = src.Array(doc.RootElement, "$");
            if (root.GetArrayLength() == 0)
            {
                throw src.Error("$", "expected a non-empty array of samples but the array is empty");
            }

            var sampleIds = new HashSet<string>(StringComparer.Ordinal);
            foreach ((JsonElement sample, string samplePath, _) in src.Objects(root, "$"))
            {
                string sampleId = src.String(sample, "sample_id", samplePath);
                if (!sampleIds.Add(sampleId))
                {
                    // Two samples of one id gave questions of one id and failed the run at its second cube, naming the cube.
                    throw src.Error(JsonSource.Child(samplePath, "sample_id"), $"duplicate sample id '{sampleId}'");
                }

                BenchConversation conversation = ReadConversation(src, sample, samplePath, sampleId);
                conversations.Add(conversation);
                ReadQuestions(src, sample, samplePath, conversation, diagnostics, questions);
            }

            // A conversation without questions is fine (it can be left out with --conversations); a file without any ran as a
            // success of 0 questions, every metric n/a.
            if (questions.Count == 0)
            {
                throw src.Error("$", "no sample has a question (every 'qa' list is empty)");
            }
        }

        return new BenchmarkDataset(Kind, conversations, questions, Path.GetFullPath(path))
        {
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)),
            Diagnostics = diagnostics.Build(),
        };
    }

    private static BenchConversation ReadConversation(JsonSource src, JsonElement sample, string samplePath, string sampleId)
    {
        JsonElement conversation = src.RequiredObject(sample, "conversation", samplePath);
        string conversationPath = JsonSource.Child(samplePath, "conversation");

        var numbered = new List<(int Number, JsonProperty Property)>();
        foreach (JsonProperty property in conversation.EnumerateObject())
        {
            Match match = SessionKey().Match(property.Name);
            if (match.Success)
            {
                // session_1 and session_01 are one session number, and one past int's range is no session at all. \d also
                // matches other scripts' digits (session_１), which int.Parse does not read: said so, not "out of range".
                if (!match.Groups[1].Value.All(char.IsAsciiDigit))
                {
                    throw src.Error(JsonSource.Child(conversationPath, property.Name), "the session number is not written in the digits 0-9");
                }

                if (!int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int number))
                {
                    throw src.Error(JsonSource.Child(conversationPath, property.Name), "the session number is out of range");
                }

                if (numbered.Any(n => n.Number == number))
                {
                    throw src.Error(JsonSource.Child(conversationPath, property.Name), $"session {number} is given twice");
                }

                numbered.Add((number, property));
            }
        }

        if (numbered.Count == 0)
        {
            throw src.Error(conversationPath, "no 'session_N' turn arrays found");
        }

        var sessions = new List<BenchSession>(numbered.Count);
        var seenTurnIds = new HashSet<string>(StringComparer.Ordinal);
        foreach ((int number, JsonProperty property) in numbered.OrderBy(p => p.Number))
        {
            string sessionPath = JsonSource.Child(conversationPath, property.Name);
            string dateKey = property.Name + "_date_time";
            string? dateText = src.OptionalString(conversation, dateKey, conversationPath);
            DateTimeOffset? date = dateText is null
                ? null
                : ParseDate(src, dateText, JsonSource.Child(conversationPath, dateKey));

            var turns = new List<BenchTurn>();
            foreach ((JsonElement turn, string turnPath, _) in src.Objects(property.Value, sessionPath))
            {
                string id = src.String(turn, "dia_id", turnPath);
                if (!seenTurnIds.Add(id))
                {
                    throw src.Error(JsonSource.Child(turnPath, "dia_id"), $"duplicate turn id '{id}' in sample '{sampleId}'");
                }

                string speaker = src.String(turn, "speaker", turnPath);
                string text = src.String(turn, "text", turnPath);
                string? caption = src.OptionalString(turn, "blip_caption", turnPath);
                // Images are not released; the caption is the only trace of what was shared.
                if (!string.IsNullOrWhiteSpace(caption))
                {
                    text = text.Length == 0 ? $"[shares {caption.Trim()}]" : $"{text} [shares {caption.Trim()}]";
                }

                turns.Add(new BenchTurn(id, speaker, text));
            }

            sessions.Add(new BenchSession(string.Create(CultureInfo.InvariantCulture, $"D{number}"), date, turns));
        }

        return new BenchConversation(sampleId, sessions);
    }

    private static void ReadQuestions(
        JsonSource src,
        JsonElement sample,
        string samplePath,
        BenchConversation conversation,
        DiagnosticsBuilder diagnostics,
        List<BenchQuestion> questions)
    {
        var sessionOfTurn = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (BenchSession session in conversation.Sessions)
        {
            foreach (BenchTurn turn in session.Turns)
            {
                sessionOfTurn[turn.Id] = session.Id;
            }
        }

        foreach ((JsonElement item, string itemPath, int q) in src.RequiredObjects(sample, "qa", samplePath))
        {
            string questionId = string.Create(CultureInfo.InvariantCulture, $"{conversation.Id}#q{q}");
            string question = src.String(item, "question", itemPath);
            string category = src.Int32OrString(item, "category", itemPath);
            bool adversarial = category == AdversarialCategory;
            string? answer = src.OptionalScalar(item, "answer", itemPath);
            if (answer is null && !adversarial)
            {
                throw src.Error(itemPath, "missing required field 'answer'");
            }

            string? adversarialAnswer = src.OptionalScalar(item, "adversarial_answer", itemPath);

            var turnIds = new List<string>();
            var sessionIds = new List<string>();
            List<string> evidence = src.OptionalStringArray(item, "evidence", itemPath);
            foreach (string entry in evidence)
            {
                foreach (string reference in EvidenceSeparators().Split(entry))
                {
                    if (reference.Length == 0)
                    {
                        continue;
                    }

                    string? resolved = Resolve(reference, sessionOfTurn, out bool repaired);
                    if (resolved is null)
                    {
                        diagnostics.Drop($"{questionId}: evidence '{reference}' matches no turn; ignored");
                        continue;
                    }

                    if (repaired)
                    {
                        diagnostics.Repair($"{questionId}: evidence '{reference}' read as '{resolved}'");
                    }

                    if (!turnIds.Contains(resolved))
                    {
                        turnIds.Add(resolved);
                        string sessionId = sessionOfTurn[resolved];
                        if (!sessionIds.Contains(sessionId))
                        {
                            sessionIds.Add(sessionId);
                        }
                    }
                }
            }

            questions.Add(new BenchQuestion(
                questionId,
                conversation.Id,
                question,
                answer,
                category,
                adversarial,
                turnIds,
                sessionIds,
                QuestionDate: null,
                adversarialAnswer));
        }
    }

    private static string? Resolve(string reference, Dictionary<string, string> sessionOfTurn, out bool repaired)
    {
        repaired = false;
        if (sessionOfTurn.ContainsKey(reference))
        {
            return reference;
        }

        Match match = LooseTurnId().Match(reference);
        if (!match.Success)
        {
            return null;
        }

        string canonical = string.Create(
            CultureInfo.InvariantCulture,
            $"D{int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)}:{int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture)}");
        repaired = sessionOfTurn.ContainsKey(canonical);
        return repaired ? canonical : null;
    }

    private static DateTimeOffset ParseDate(JsonSource src, string text, string path) =>
        src.Date(text, text, DateFormats, path, "1:56 pm on 8 May, 2023");

    [GeneratedRegex(@"^session_(\d+)$", RegexOptions.CultureInvariant)]
    private static partial Regex SessionKey();

    [GeneratedRegex(@"[;,\s]+", RegexOptions.CultureInvariant)]
    private static partial Regex EvidenceSeparators();

    // [0-9], not \d: \d matches every script's digits ("D1:３"), which int.Parse then refused with a FormatException.
    [GeneratedRegex(@"^D\s*:?\s*([0-9]{1,6})\s*:\s*([0-9]{1,6})$", RegexOptions.CultureInvariant)]
    private static partial Regex LooseTurnId();
}
