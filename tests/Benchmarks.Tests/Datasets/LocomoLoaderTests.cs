using AgentMem.Benchmarks.Datasets;

namespace AgentMem.Benchmarks.Tests.Datasets;

public class LocomoLoaderTests
{
    private const string ValidSample = """
        [{
          "sample_id": "conv-x",
          "conversation": {
            "speaker_a": "Ann", "speaker_b": "Bob",
            "session_2_date_time": "9:05 am on 1 June, 2023",
            "session_2": [{"speaker": "Bob", "dia_id": "D2:1", "text": "Later."}],
            "session_1_date_time": "1:56 pm on 8 May, 2023",
            "session_1": [
              {"speaker": "Ann", "dia_id": "D1:1", "text": "Hi!"},
              {"speaker": "Bob", "dia_id": "D1:2", "text": "Look", "img_url": ["http://x"], "blip_caption": "a photo of a cat"}
            ]
          },
          "qa": [
            {"question": "Q1?", "answer": 2022, "evidence": ["D1:2; D2:1", "D", "D1:02"], "category": 2},
            {"question": "Q2?", "adversarial_answer": "yes", "evidence": [], "category": 5}
          ]
        }]
        """;

    [Fact]
    public void Shared_file_has_the_published_counts()
    {
        BenchmarkDataset data = SharedDatasets.Locomo;

        Assert.Equal("locomo", data.Name);
        Assert.Equal(10, data.Conversations.Count);
        Assert.Equal(272, data.SessionCount);
        Assert.Equal(5882, data.TurnCount);
        Assert.Equal(1986, data.Questions.Count);
        var byCategory = data.Questions.GroupBy(q => q.Category).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(282, byCategory["1"]);
        Assert.Equal(321, byCategory["2"]);
        Assert.Equal(96, byCategory["3"]);
        Assert.Equal(841, byCategory["4"]);
        Assert.Equal(446, byCategory["5"]);
        Assert.All(data.Questions, q => Assert.Equal(q.Category == "5", q.IsAdversarial));
        Assert.All(data.Questions.Where(q => !q.IsAdversarial), q => Assert.NotNull(q.Answer));
        Assert.All(data.Questions.Where(q => q.IsAdversarial), q => Assert.NotNull(q.AdversarialAnswer));
    }

    [Fact]
    public void Shared_file_irregular_evidence_is_split_repaired_or_dropped_and_counted()
    {
        BenchmarkDataset data = SharedDatasets.Locomo;

        // "D10:19", "D" and "D4:36" match no turn; "D:11:26" and "D30:05" are repaired.
        Assert.Equal(3, data.Diagnostics.DroppedEvidenceReferences);
        Assert.Equal(2, data.Diagnostics.RepairedEvidenceReferences);
        Assert.Equal(0, data.Diagnostics.UnmatchedEvidenceMessages);
        Assert.Contains(data.Questions, q => q.EvidenceTurnIds.SequenceEqual(["D8:6", "D9:17"]));

        var conversations = data.Conversations.ToDictionary(c => c.Id);
        foreach (BenchQuestion question in data.Questions)
        {
            var turnIds = conversations[question.ConversationId].Sessions.SelectMany(s => s.Turns).Select(t => t.Id).ToHashSet();
            Assert.All(question.EvidenceTurnIds, id => Assert.Contains(id, turnIds));
            Assert.Equal(question.EvidenceTurnIds.Select(TurnIds.SessionOf).Distinct(), question.EvidenceSessionIds);
        }
    }

    [Fact]
    public void Shared_file_sessions_are_dated_ordered_and_turn_ids_name_their_session()
    {
        BenchmarkDataset data = SharedDatasets.Locomo;
        BenchConversation first = data.Conversations[0];

        Assert.Equal("conv-26", first.Id);
        Assert.Equal("D1", first.Sessions[0].Id);
        Assert.Equal(new DateTimeOffset(2023, 5, 8, 13, 56, 0, TimeSpan.Zero), first.Sessions[0].Date);
        Assert.Equal(19, first.Sessions.Count);
        Assert.Contains("[shares a photo of a dog walking past a wall", first.Sessions[0].Turns.Single(t => t.Id == "D1:5").Text, StringComparison.Ordinal);
        Assert.All(
            data.Conversations.SelectMany(c => c.Sessions),
            s => Assert.All(s.Turns, t => Assert.Equal(s.Id, TurnIds.SessionOf(t.Id))));
        Assert.Equal(DatasetHash.ComputeSha256(RepoPaths.Locomo), data.Sha256);
        Assert.Equal(64, data.Sha256.Length);
    }

    [Fact]
    public async Task Small_file_maps_every_field()
    {
        using var dir = new TempDirectory();
        BenchmarkDataset data = await LocomoLoader.LoadAsync(dir.Write("small.json", ValidSample));

        BenchConversation conversation = Assert.Single(data.Conversations);
        Assert.Equal(["D1", "D2"], conversation.Sessions.Select(s => s.Id));
        Assert.Equal(new DateTimeOffset(2023, 6, 1, 9, 5, 0, TimeSpan.Zero), conversation.Sessions[1].Date);
        Assert.Equal("Look [shares a photo of a cat]", conversation.Sessions[0].Turns[1].Text);

        BenchQuestion q1 = data.Questions[0];
        Assert.Equal("conv-x#q0", q1.Id);
        Assert.Equal("2022", q1.Answer);
        Assert.Equal(["D1:2", "D2:1"], q1.EvidenceTurnIds);
        Assert.Equal(["D1", "D2"], q1.EvidenceSessionIds);
        Assert.Equal(1, data.Diagnostics.DroppedEvidenceReferences);
        Assert.Equal(1, data.Diagnostics.RepairedEvidenceReferences);

        BenchQuestion q2 = data.Questions[1];
        Assert.True(q2.IsAdversarial);
        Assert.Null(q2.Answer);
        Assert.Equal("yes", q2.AdversarialAnswer);
        Assert.Empty(q2.EvidenceTurnIds);
    }

    [Theory]
    [InlineData("D1:\uFF12")] // full-width 2
    [InlineData("D\u0661:\u0662")] // Arabic-Indic 1 and 2
    public void Evidence_in_other_scripts_digits_is_dropped_and_counted(string reference)
    {
        // .NET's \d matches every Unicode digit, and int.Parse then threw a FormatException, not a DatasetFormatException.
        using var dir = new TempDirectory();
        string file = dir.Write("digits.json", ValidSample.Replace("\"evidence\": [\"D1:2; D2:1\", \"D\", \"D1:02\"]", $"\"evidence\": [\"D1:1\", \"{reference}\"]", StringComparison.Ordinal));

        BenchmarkDataset data = LocomoLoader.Load(file);

        Assert.Equal(["D1:1"], data.Questions[0].EvidenceTurnIds);
        Assert.Equal(1, data.Diagnostics.DroppedEvidenceReferences);
        Assert.Equal(0, data.Diagnostics.RepairedEvidenceReferences);
    }

    [Fact]
    public void A_byte_order_mark_is_accepted()
    {
        using var dir = new TempDirectory();
        string file = Path.Combine(dir.Path, "bom.json");
        File.WriteAllText(file, ValidSample, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        Assert.Single(LocomoLoader.Load(file).Conversations);
    }

    [Theory]
    [InlineData("truncated", "$", "not valid JSON")]
    [InlineData("notjson", "$", "not valid JSON at line 1, byte ")]
    [InlineData("empty", "$", "array is empty")]
    [InlineData("rootobject", "$", "expected an array but found an object")]
    [InlineData("noqa", "$[0]", "missing required field 'qa'")]
    [InlineData("categorybool", "$[0].qa[0].category", "expected an integer or a non-empty string but found a boolean")]
    [InlineData("categoryempty", "$[0].qa[0].category", "expected an integer or a non-empty string but found a string")]
    [InlineData("turnsobject", "$[0].conversation.session_2", "expected an array but found an object")]
    [InlineData("baddate", "$[0].conversation.session_1_date_time", "cannot parse date 'yesterday at noon'")]
    [InlineData("noanswer", "$[0].qa[0]", "missing required field 'answer'")]
    [InlineData("nosessions", "$[0].conversation", "no 'session_N' turn arrays")]
    [InlineData("duplicateturn", "$[0].conversation.session_2[0].dia_id", "duplicate turn id 'D1:1'")]
    [InlineData("duplicatesample", "$[1].sample_id", "duplicate sample id 'conv-x'")]
    [InlineData("hugesession", "$[0].conversation.session_99999999999", "out of range")]
    [InlineData("samesession", "$[0].conversation.session_1", "session 1 is given twice")] // session_01 comes first in the file
    [InlineData("widesession", "$[0].conversation.session_\uFF12", "not written in the digits 0-9")] // was "out of range"
    [InlineData("noquestions", "$", "no sample has a question")] // ran as a success of 0 questions
    public void Malformed_files_fail_with_file_path_and_problem(string variant, string jsonPath, string problem)
    {
        string content = variant switch
        {
            "truncated" => ValidSample[..(ValidSample.Length / 2)],
            "notjson" => "this is not json",
            "empty" => "[]",
            "rootobject" => "{\"sample_id\": \"x\"}",
            "noqa" => ValidSample.Replace("\"qa\":", "\"qa_removed\":", StringComparison.Ordinal),
            "categorybool" => ValidSample.Replace("\"category\": 2", "\"category\": true", StringComparison.Ordinal),
            "categoryempty" => ValidSample.Replace("\"category\": 2", "\"category\": \"\"", StringComparison.Ordinal),
            "turnsobject" => ValidSample.Replace("\"session_2\": [{\"speaker\": \"Bob\", \"dia_id\": \"D2:1\", \"text\": \"Later.\"}]", "\"session_2\": {\"speaker\": \"Bob\"}", StringComparison.Ordinal),
            "baddate" => ValidSample.Replace("1:56 pm on 8 May, 2023", "yesterday at noon", StringComparison.Ordinal),
            "noanswer" => ValidSample.Replace("\"answer\": 2022, ", "", StringComparison.Ordinal),
            "nosessions" => """[{"sample_id": "s", "conversation": {"speaker_a": "A"}, "qa": []}]""",
            "duplicateturn" => ValidSample.Replace("\"dia_id\": \"D2:1\"", "\"dia_id\": \"D1:1\"", StringComparison.Ordinal),
            "duplicatesample" => "[" + ValidSample.Trim()[1..^1] + ", " + ValidSample.Trim()[1..^1] + "]",
            "hugesession" => ValidSample.Replace("\"session_2\":", "\"session_99999999999\":", StringComparison.Ordinal),
            "samesession" => ValidSample.Replace("\"session_2\":", "\"session_01\":", StringComparison.Ordinal),
            "widesession" => ValidSample.Replace("\"session_2\":", "\"session_\uFF12\":", StringComparison.Ordinal),
            "noquestions" => """[{"sample_id": "s", "conversation": {"session_1": [{"speaker": "A", "dia_id": "D1:1", "text": "Hi"}]}, "qa": []}]""",
            _ => throw new ArgumentOutOfRangeException(nameof(variant)),
        };
        using var dir = new TempDirectory();
        string file = dir.Write(variant + ".json", content);

        var ex = Assert.Throws<DatasetFormatException>(() => LocomoLoader.Load(file));

        Assert.Equal(file, ex.FilePath);
        Assert.Equal(jsonPath, ex.JsonPath);
        Assert.Contains(file, ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }
}
