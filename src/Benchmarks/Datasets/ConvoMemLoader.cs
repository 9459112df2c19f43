namespace AgentMem.Benchmarks.Datasets;

/// <summary>
/// Loads ConvoMem files: a JSON object with <c>evidenceItems[]</c> (question, answer,
/// <c>message_evidences[]</c>, <c>conversations[]</c>) and, in pre-mixed test cases, a top-level
/// <c>conversations[]</c> haystack shared by all items.
/// </summary>
/// <remarks>
/// <para>
/// With a top-level haystack, the file becomes one conversation (id = file stem, relative path
/// without extension for directories) whose sessions are the haystack conversations; every item
/// is a question on it (id <c>{stem}#{itemIndex}</c>). Without one, each item becomes its own
/// conversation <c>{stem}#{itemIndex}</c> built from the item's <c>conversations</c>.
/// </para>
/// <para>
/// Session <c>c{j}</c> is <c>conversations[j]</c>; turn <c>c{j}:{i}</c> is its <c>messages[i]</c>.
/// Evidence turns are all turns whose speaker and text equal a message evidence after trimming, in
/// haystack mode only in the haystack sessions whose <c>id</c> matches one of the item's own
/// conversations when there are any (filler may repeat an evidence message word for word);
/// evidence sessions are the sessions of those turns plus those named sessions. Unmatched message
/// evidences are counted in <see cref="DatasetDiagnostics.UnmatchedEvidenceMessages"/>. Items are
/// adversarial when their category mentions <c>abstention</c>, when their file lies in a folder inside
/// the loaded directory whose name does, or when the loaded directory (for a file, the folder holding
/// it) is the published <c>abstention_evidence</c> or a folder directly in it; a missing category reads
/// as <c>uncategorized</c>.
/// ConvoMem has no dates.
/// </para>
/// <para>
/// A file whose root is an array (the published <c>pre_mixed_testcases/.../batched_NNN.json</c>) holds
/// several such test cases; test case i becomes <c>{stem}[i]</c>. The evidence files' snake-case
/// <c>evidence_items</c> is read as <c>evidenceItems</c>.
/// </para>
/// </remarks>
public static class ConvoMemLoader
{
    /// <summary>Dataset kind name.</summary>
    public const string Kind = "convomem";

    /// <summary>Category used when an item has none.</summary>
    public const string DefaultCategory = "uncategorized";

    /// <summary>Reads and validates a ConvoMem file, or every <c>*.json</c> file under a directory.</summary>
    /// <param name="path">A ConvoMem JSON file or a directory of them (searched recursively).</param>
    /// <returns>The dataset.</returns>
    /// <exception cref="DatasetFormatException">A file is not valid ConvoMem JSON, or the directory has none.</exception>
    public static BenchmarkDataset Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Parse(path, Sources(path).Select(s => (s.Stem, s.File, File.ReadAllBytes(s.File))).ToList());
    }

    /// <summary>Reads and validates a ConvoMem file or directory asynchronously.</summary>
    /// <param name="path">A ConvoMem JSON file or a directory of them (searched recursively).</param>
    /// <param name="cancellationToken">Cancels file reads.</param>
    /// <returns>The dataset.</returns>
    /// <exception cref="DatasetFormatException">A file is not valid ConvoMem JSON, or the directory has none.</exception>
    public static async Task<BenchmarkDataset> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var files = new List<(string Stem, string File, byte[] Bytes)>();
        foreach ((string stem, string file) in Sources(path))
        {
            files.Add((stem, file, await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false)));
        }

        return Parse(path, files);
    }

    private static List<(string Stem, string File)> Sources(string path)
    {
        if (!Directory.Exists(path))
        {
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"ConvoMem dataset not found: {path}", path);
            }

            return [(Path.GetFileNameWithoutExtension(path), path)];
        }

        IReadOnlyList<string> files = DatasetHash.JsonFilesIn(path);
        if (files.Count == 0)
        {
            throw new DatasetFormatException($"{path}: directory contains no *.json files");
        }

        // Relative paths keep stems unique when several sub-folders hold e.g. batched_000.json.
        return files
            .Select(f => (Path.ChangeExtension(DatasetHash.RelativeName(path, f), null), f))
            .ToList();
    }

    private static BenchmarkDataset Parse(string path, List<(string Stem, string File, byte[] Bytes)> files)
    {
        var diagnostics = new DiagnosticsBuilder();
        var conversations = new List<BenchConversation>();
        var questions = new List<BenchQuestion>();
        var hashes = new List<(string Relative, byte[] Hash)>();
        // The abstention folder: among the folders inside the dataset directory, or (a directory loaded from inside
        // abstention_evidence/, whose items counted as answerable questions) among the two folders above it, where only the
        // published folder's own name counts: "~/abstention-study/convomem" is no label. A file is labelled as the folder
        // that holds it would be, so the same data loads the same either way.
        bool directory = Directory.Exists(path);
        bool underPublished = UnderPublished(directory ? path : Path.GetDirectoryName(Path.GetFullPath(path))!);
        foreach ((string stem, string file, byte[] bytes) in files)
        {
            hashes.Add((directory ? DatasetHash.RelativeName(path, file) : file, SHA256.HashData(bytes)));
            bool abstention = underPublished
                || (directory && DatasetHash.RelativeName(path, file).Split('/', '\\').SkipLast(1).Any(MentionsAbstention));
            ParseFile(new JsonSource(file), stem, abstention, bytes, diagnostics, conversations, questions);
        }

        string sha = directory ? DatasetHash.Combine(hashes) : Convert.ToHexStringLower(hashes[0].Hash);
        return new BenchmarkDataset(Kind, conversations, questions, Path.GetFullPath(path))
        {
            Sha256 = sha,
            Diagnostics = diagnostics.Build(),
        };
    }

    private static bool MentionsAbstention(string folder) => folder.Contains("abstention", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether <paramref name="folder"/> or the folder above it is the published <c>abstention_evidence</c>.</summary>
    private static bool UnderPublished(string folder) =>
        Path.GetFullPath(folder).Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar)
            .Where(f => f.Length > 0)
            .TakeLast(2)
            .Any(f => f.Equals("abstention_evidence", StringComparison.OrdinalIgnoreCase));

    private static void ParseFile(
        JsonSource src,
        string stem,
        bool abstention,
        byte[] bytes,
        DiagnosticsBuilder diagnostics,
        List<BenchConversation> conversations,
        List<BenchQuestion> questions)
    {
        using JsonDocument doc = JsonSource.Parse(bytes, src.FilePath);

        // The published data files every abstention item under an abstention_evidence folder; its items' category is
        // the use case they came from ("Professional Life"), so the folder (abstention) is what marks them.
        if (doc.RootElement.ValueKind == JsonValueKind.Array)
        {
            // A batched file: a list of test cases, each with its own haystack.
            if (doc.RootElement.GetArrayLength() == 0)
            {
                throw src.Error("$", "expected a non-empty array of test cases but the array is empty");
            }

            foreach ((JsonElement testCase, string casePath, int i) in src.Objects(doc.RootElement, "$"))
            {
                ParseTestCase(src, string.Create(CultureInfo.InvariantCulture, $"{stem}[{i}]"), testCase, casePath, abstention, diagnostics, conversations, questions);
            }

            return;
        }

        ParseTestCase(src, stem, src.Object(doc.RootElement, "$"), "$", abstention, diagnostics, conversations, questions);
    }

    private static void ParseTestCase(
        JsonSource src,
        string stem,
        JsonElement root,
        string rootPath,
        bool abstention,
        DiagnosticsBuilder diagnostics,
        List<BenchConversation> conversations,
        List<BenchQuestion> questions)
    {
        // evidenceItems in test cases; evidence_items in the evidence files.
        string itemsName = JsonSource.Optional(root, "evidenceItems") is null && JsonSource.Optional(root, "evidence_items") is not null ? "evidence_items" : "evidenceItems";
        JsonElement items = src.RequiredArray(root, itemsName, rootPath);
        string itemsPath = JsonSource.Child(rootPath, itemsName);
        if (items.GetArrayLength() == 0)
        {
            throw src.Error(itemsPath, "expected a non-empty array of evidence items but the array is empty");
        }

        BenchConversation? haystack = null;
        List<string?> haystackSourceIds = [];
        if (JsonSource.Optional(root, "conversations") is not null)
        {
            (List<BenchSession> sessions, haystackSourceIds) = ReadSessions(src, root, rootPath);
            haystack = new BenchConversation(stem, sessions);
            conversations.Add(haystack);
        }

        foreach ((JsonElement item, string itemPath, int index) in src.Objects(items, itemsPath))
        {
            string id = string.Create(CultureInfo.InvariantCulture, $"{stem}#{index}");
            string question = src.String(item, "question", itemPath);
            string? answer = src.OptionalScalar(item, "answer", itemPath);
            string category = src.OptionalString(item, "category", itemPath) ?? DefaultCategory;

            BenchConversation target;
            var evidenceSessions = new List<string>();
            if (haystack is null)
            {
                (List<BenchSession> sessions, _) = ReadSessions(src, item, itemPath);
                target = new BenchConversation(id, sessions);
                conversations.Add(target);
            }
            else
            {
                target = haystack;
                // Still validate the item's own copies, and use their ids to locate evidence sessions.
                (_, List<string?> itemSourceIds) = ReadSessions(src, item, itemPath, required: false);
                for (int j = 0; j < haystackSourceIds.Count; j++)
                {
                    if (haystackSourceIds[j] is { } sourceId && itemSourceIds.Contains(sourceId))
                    {
                        evidenceSessions.Add(haystack.Sessions[j].Id);
                    }
                }
            }

            // The conversations the item names hold its evidence; a filler conversation saying the same is no evidence.
            List<BenchSession> searched = evidenceSessions.Count > 0
                ? target.Sessions.Where(s => evidenceSessions.Contains(s.Id)).ToList()
                : [.. target.Sessions];
            List<string> evidenceTurns = MatchEvidence(src, item, itemPath, id, searched, diagnostics);
            foreach (string turnId in evidenceTurns)
            {
                string sessionId = TurnIds.SessionOf(turnId);
                if (!evidenceSessions.Contains(sessionId))
                {
                    evidenceSessions.Add(sessionId);
                }
            }

            questions.Add(new BenchQuestion(
                id,
                target.Id,
                question,
                answer,
                category,
                abstention || category.Contains("abstention", StringComparison.OrdinalIgnoreCase),
                evidenceTurns,
                evidenceSessions,
                QuestionDate: null,
                AdversarialAnswer: null));
        }
    }

    private static (List<BenchSession> Sessions, List<string?> SourceIds) ReadSessions(
        JsonSource src,
        JsonElement owner,
        string ownerPath,
        bool required = true)
    {
        var sessions = new List<BenchSession>();
        var sourceIds = new List<string?>();
        if (!required && JsonSource.Optional(owner, "conversations") is null)
        {
            return (sessions, sourceIds);
        }

        foreach ((JsonElement conversation, string conversationPath, int j) in src.RequiredObjects(owner, "conversations", ownerPath))
        {
            sourceIds.Add(src.OptionalString(conversation, "id", conversationPath));
            string sessionId = string.Create(CultureInfo.InvariantCulture, $"c{j}");
            var turns = new List<BenchTurn>();
            foreach ((JsonElement message, string messagePath, int i) in src.RequiredObjects(conversation, "messages", conversationPath))
            {
                turns.Add(new BenchTurn(
                    TurnIds.Create(sessionId, i),
                    src.String(message, "speaker", messagePath),
                    src.String(message, "text", messagePath)));
            }

            sessions.Add(new BenchSession(sessionId, null, turns));
        }

        return (sessions, sourceIds);
    }

    private static List<string> MatchEvidence(
        JsonSource src,
        JsonElement item,
        string itemPath,
        string questionId,
        IReadOnlyList<BenchSession> sessions,
        DiagnosticsBuilder diagnostics)
    {
        var result = new List<string>();
        if (JsonSource.Optional(item, "message_evidences") is not { } evidences)
        {
            return result;
        }

        foreach ((JsonElement evidence, string evidencePath, _) in src.Objects(evidences, JsonSource.Child(itemPath, "message_evidences")))
        {
            string speaker = src.String(evidence, "speaker", evidencePath).Trim();
            string text = src.String(evidence, "text", evidencePath).Trim();
            bool matched = false;
            foreach (BenchSession session in sessions)
            {
                foreach (BenchTurn turn in session.Turns)
                {
                    if (string.Equals(turn.Speaker.Trim(), speaker, StringComparison.Ordinal)
                        && string.Equals(turn.Text.Trim(), text, StringComparison.Ordinal))
                    {
                        matched = true;
                        if (!result.Contains(turn.Id))
                        {
                            result.Add(turn.Id);
                        }
                    }
                }
            }

            if (!matched)
            {
                diagnostics.Unmatch($"{questionId}: message evidence {evidencePath} matches no turn");
            }
        }

        return result;
    }
}
