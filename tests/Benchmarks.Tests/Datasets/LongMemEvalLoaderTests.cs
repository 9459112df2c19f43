using AgentMem.Benchmarks.Datasets;
using AgentMem.Benchmarks.Metrics;

namespace AgentMem.Benchmarks.Tests.Datasets;

public class LongMemEvalLoaderTests
{
    private const string Session = """[{"role": "user", "content": "I ran 5K.", "has_answer": true}, {"role": "assistant", "content": "Nice!"}]""";

    private static string Question(string id, string sessionId = "s1", string session = Session, string date = "2023/05/20 (Sat) 02:21") => $$"""
        {
          "question_id": "{{id}}", "question_type": "single-session-user",
          "question": "How far did I run?", "answer": 5, "question_date": "2023/06/01 (Thu) 00:58",
          "haystack_session_ids": ["{{sessionId}}", "filler"], "haystack_dates": ["{{date}}", "2023/05/21 (Sun) 10:00"],
          "haystack_sessions": [{{session}}, [{"role": "user", "content": "Hello"}]],
          "answer_session_ids": ["{{sessionId}}", "missing"]
        }
        """;

    [Fact]
    public async Task Shared_sample_loads_one_conversation_per_question()
    {
        BenchmarkDataset data = await LongMemEvalLoader.LoadAsync(RepoPaths.LongMemEvalSample);

        Assert.Equal("longmemeval", data.Name);
        Assert.Equal(2, data.Conversations.Count);
        Assert.Equal(4, data.SessionCount);
        Assert.Equal(48, data.TurnCount);
        Assert.Equal(2, data.Questions.Count);

        BenchQuestion update = data.Questions[0];
        Assert.Equal("6a1eabeb", update.Id);
        Assert.Equal(update.Id, update.ConversationId);
        Assert.Equal("knowledge-update", update.Category);
        Assert.False(update.IsAdversarial);
        Assert.Equal(["answer_a25d4a91_1:4", "answer_a25d4a91_2:0"], update.EvidenceTurnIds);
        Assert.Equal(["answer_a25d4a91_1", "answer_a25d4a91_2"], update.EvidenceSessionIds);
        Assert.Equal(new DateTimeOffset(2023, 6, 1, 0, 58, 0, TimeSpan.Zero), update.QuestionDate);
        Assert.Equal(new DateTimeOffset(2023, 5, 25, 20, 21, 0, TimeSpan.Zero), data.Conversations[0].Sessions[0].Date);
        Assert.Equal("user", data.Conversations[0].Sessions[0].Turns[0].Speaker);

        BenchQuestion abstention = data.Questions[1];
        Assert.True(abstention.IsAdversarial);
        Assert.Equal("temporal-reasoning", abstention.Category);
        Assert.Equal(["answer_b3070ec4_abs_1"], abstention.EvidenceSessionIds); // its _abs_2 has no has_answer turn
        Assert.Equal(DatasetHash.ComputeSha256(RepoPaths.LongMemEvalSample), data.Sha256);
        Assert.Equal(1, data.Diagnostics.DroppedEvidenceReferences);
    }

    [Fact]
    public void Small_file_maps_fields_and_shares_repeated_sessions()
    {
        using var dir = new TempDirectory();
        string file = dir.Write("lme.json", $"[{Question("q1")}, {Question("q2_abs")}]");

        BenchmarkDataset data = LongMemEvalLoader.Load(file);

        BenchQuestion q1 = data.Questions[0];
        Assert.Equal("5", q1.Answer);
        Assert.Equal(["s1:0"], q1.EvidenceTurnIds);
        Assert.Equal(["s1"], q1.EvidenceSessionIds);
        Assert.True(data.Questions[1].IsAdversarial);
        Assert.Equal(2, data.Diagnostics.DroppedEvidenceReferences); // "missing" answer session, twice
        // Identical haystack sessions across questions share one turn list instead of duplicating text.
        Assert.Same(data.Conversations[0].Sessions[0].Turns, data.Conversations[1].Sessions[0].Turns);
    }

    /// <summary>A file of one question whose haystack holds its answer session "s1" twice (the copy is renamed "s1~2").</summary>
    internal static string RepeatedAnswerSessionFile() => "[" + Question("q1")
        .Replace("[\"s1\", \"filler\"]", "[\"s1\", \"s1\", \"filler\"]", StringComparison.Ordinal)
        .Replace("\"haystack_dates\": [", "\"haystack_dates\": [\"2023/05/20 (Sat) 03:00\", ", StringComparison.Ordinal)
        .Replace("\"haystack_sessions\": [", $"\"haystack_sessions\": [{Session}, ", StringComparison.Ordinal) + "]";

    [Fact]
    public void A_repeated_answer_session_is_gold_under_its_new_name_as_well()
    {
        // "s1" twice: the copy is renamed "s1~2", and its evidence turn is gold; its session must be too.
        using var dir = new TempDirectory();

        BenchQuestion q1 = Assert.Single(LongMemEvalLoader.Load(dir.Write("lme.json", RepeatedAnswerSessionFile())).Questions);

        Assert.Equal(["s1:0", "s1~2:0"], q1.EvidenceTurnIds);
        Assert.Equal(["s1", "s1~2"], q1.EvidenceSessionIds);

        // ... as the same evidence, which a retriever may find as either copy.
        Assert.Equal(new Dictionary<string, string> { ["s1~2"] = "s1", ["s1~2:0"] = "s1:0", ["s1~2:1"] = "s1:1" }, q1.EvidenceCopies);
    }

    [Fact]
    public void An_answer_session_without_a_has_answer_turn_is_not_gold_as_in_LongMemEval()
    {
        // LongMemEval's run_retrieval.py renames such a session 'noans' (a non-answer session), and at turn granularity its
        // gold is the has_answer turns, whose sessions turn2session scores. Kept as gold, recall_all could never be 1.
        const string File = """
            [{
              "question_id": "q1", "question_type": "multi-session", "question": "How far did I run?", "answer": "5K",
              "haystack_session_ids": ["answer_x_1", "answer_x_2", "other_1"],
              "haystack_dates": ["2023/05/20 (Sat) 02:21", "2023/05/21 (Sun) 10:00", "2023/05/22 (Mon) 10:00"],
              "haystack_sessions": [
                [{"role": "user", "content": "I ran 5K.", "has_answer": true}],
                [{"role": "user", "content": "I like running.", "has_answer": false}, {"role": "assistant", "content": "Great."}],
                [{"role": "user", "content": "Hello"}]],
              "answer_session_ids": ["answer_x_1", "answer_x_2"]
            }]
            """;
        using var dir = new TempDirectory();

        BenchmarkDataset data = LongMemEvalLoader.Load(dir.Write("lme.json", File));

        BenchQuestion q1 = Assert.Single(data.Questions);
        Assert.Equal(["answer_x_1:0"], q1.EvidenceTurnIds);
        Assert.Equal(["answer_x_1"], q1.EvidenceSessionIds);
        Assert.Equal(1, data.Diagnostics.DroppedEvidenceReferences);
        Assert.Contains(data.Diagnostics.Notes, n => n.Contains("'answer_x_2'", StringComparison.Ordinal) && n.Contains("has_answer", StringComparison.Ordinal));

        var acc = new EvaluationAccumulator("longmemeval", [1, 2]);
        acc.Add(QuestionResult.ForQuestion(q1, ["answer_x_1:0", "other_1:0"], 1, 1, 1));
        var overall = acc.Build().Overall;
        Assert.Equal(1.0, overall.SessionRecallAll[1]);
        Assert.Equal(1.0, overall.SessionRecall[1]);
    }

    [Fact]
    public void A_byte_order_mark_is_accepted()
    {
        using var dir = new TempDirectory();
        string file = Path.Combine(dir.Path, "bom.json");
        File.WriteAllText(file, $"[{Question("q1")}]", new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        Assert.Single(LongMemEvalLoader.Load(file).Questions);
    }

    [Fact]
    public async Task A_syntax_error_names_its_line_and_byte_and_blames_no_question()
    {
        // The streaming reader parses a buffer of questions before yielding any: the error blamed the first question of
        // that buffer ($[175] for a stray quote in $[200]), with a Path relative to the buffer, and trailing text after the
        // array blamed $[0], a valid question.
        string broken = Question("q200").Replace("\"How far did I run?\"", "\"How far did \"I run?\"", StringComparison.Ordinal);
        string content = "[\n" + string.Join(",\n", Enumerable.Range(0, 300).Select(i => i == 200 ? broken : Question($"q{i}"))) + "\n]\n";
        string[] lines = content.Split('\n');
        int line = Array.FindIndex(lines, l => l.Contains("did \"I run", StringComparison.Ordinal)) + 1;
        int column = lines[line - 1].IndexOf("I run", StringComparison.Ordinal) + 1;
        using var dir = new TempDirectory();
        string file = dir.Write("lme-big.json", content);

        var ex = await Assert.ThrowsAsync<DatasetFormatException>(() => LongMemEvalLoader.LoadAsync(file));

        Assert.Contains($"line {line}, byte {column}:", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("$[", ex.Message, StringComparison.Ordinal);
        Assert.Equal("$", ex.JsonPath);

        string trailing = dir.Write("trailing.json", $"[{Question("q1")}]\ngarbage");
        ex = await Assert.ThrowsAsync<DatasetFormatException>(() => LongMemEvalLoader.LoadAsync(trailing));
        Assert.Contains($"line {File.ReadAllLines(trailing).Length}, byte 1:", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("$[", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("truncated", "$", "not valid JSON at line 2, byte ")] // a syntax error is placed by line and byte, not by question
    [InlineData("rootobject", "$", "expected a JSON array of questions")]
    [InlineData("emptyfile", "$", "file is empty")]
    [InlineData("empty", "$", "array is empty")]
    [InlineData("noid", "$[1]", "missing required field 'question_id'")]
    [InlineData("sessionstring", "$[0].haystack_sessions[0]", "expected an array but found a string")]
    [InlineData("baddate", "$[0].haystack_dates[0]", "cannot parse date '20/05/2023'")]
    [InlineData("lengths", "$[0]", "must have the same length")]
    [InlineData("duplicate", "$[1].question_id", "duplicate question_id 'q1'")]
    public async Task Malformed_files_fail_with_file_path_and_problem(string variant, string jsonPath, string problem)
    {
        string content = variant switch
        {
            "truncated" => "[" + Question("q1")[..40],
            "rootobject" => Question("q1"),
            "emptyfile" => "",
            "empty" => " [ ] ",
            "noid" => $"[{Question("q1")}, {Question("q2").Replace("\"question_id\": \"q2\",", "", StringComparison.Ordinal)}]",
            "sessionstring" => $"[{Question("q1", session: "\"oops\"")}]",
            "baddate" => $"[{Question("q1", date: "20/05/2023")}]",
            "lengths" => $"[{Question("q1").Replace("[\"s1\", \"filler\"]", "[\"s1\"]", StringComparison.Ordinal)}]",
            "duplicate" => $"[{Question("q1")}, {Question("q1")}]",
            _ => throw new ArgumentOutOfRangeException(nameof(variant)),
        };
        using var dir = new TempDirectory();
        string file = dir.Write(variant + ".json", content);

        var ex = await Assert.ThrowsAsync<DatasetFormatException>(() => LongMemEvalLoader.LoadAsync(file));

        Assert.Equal(file, ex.FilePath);
        Assert.Equal(jsonPath, ex.JsonPath);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }
}
