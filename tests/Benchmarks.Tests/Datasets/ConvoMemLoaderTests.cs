using AgentMem.Benchmarks.Datasets;

namespace AgentMem.Benchmarks.Tests.Datasets;

public class ConvoMemLoaderTests
{
    // No top-level haystack: each item brings its own conversations.
    private const string PerItem = """
        {"evidenceItems": [
          {"question": "How many kids?", "answer": 3, "category": "user_evidence",
           "message_evidences": [{"speaker": "User", "text": "I have 3 kids. "}, {"speaker": "User", "text": "Never said"}],
           "conversations": [
             {"messages": [{"speaker": "User", "text": "Hi"}, {"speaker": "Assistant", "text": "Hello"}]},
             {"messages": [{"speaker": "User", "text": "  I have 3 kids."}]}
           ]},
          {"question": "Phone number?", "answer": "Not mentioned", "category": "abstention_evidence",
           "message_evidences": [], "conversations": [{"messages": [{"speaker": "User", "text": "Hi"}]}]}
        ]}
        """;

    [Fact]
    public void Shared_file_uses_the_top_level_haystack()
    {
        BenchmarkDataset data = ConvoMemLoader.Load(RepoPaths.ConvoMemFile);

        Assert.Equal("convomem", data.Name);
        BenchConversation haystack = Assert.Single(data.Conversations);
        Assert.Equal("convomem_schema_locomo_category_3_reasoning_dataset_0", haystack.Id);
        Assert.Equal(19, data.SessionCount);
        Assert.Equal(419, data.TurnCount);
        Assert.Equal(13, data.Questions.Count);
        Assert.All(data.Questions, q => Assert.Equal(haystack.Id, q.ConversationId));
        Assert.All(data.Questions, q => Assert.Equal("locomo_category_3", q.Category));
        Assert.All(data.Questions, q => Assert.False(q.IsAdversarial));
        Assert.Equal(0, data.Diagnostics.UnmatchedEvidenceMessages);

        // Item 1's evidence sits in locomo_0_session_4 (c3) and locomo_0_session_3 (c2).
        BenchQuestion item1 = data.Questions[1];
        Assert.Equal(haystack.Id + "#1", item1.Id);
        Assert.Equal(["c3:14", "c2:4"], item1.EvidenceTurnIds);
        Assert.Equal(["c2", "c3"], item1.EvidenceSessionIds);
        Assert.Equal(11, data.Questions.Count(q => q.EvidenceTurnIds.Count > 0));
        Assert.Null(haystack.Sessions[0].Date);
        Assert.Equal(DatasetHash.ComputeSha256(RepoPaths.ConvoMemFile), data.Sha256);
    }

    [Fact]
    public async Task Directory_loads_every_json_file_with_a_combined_hash()
    {
        BenchmarkDataset data = await ConvoMemLoader.LoadAsync(RepoPaths.ConvoMemDirectory);

        Assert.Single(data.Conversations);
        Assert.Equal(13, data.Questions.Count);
        Assert.Equal(DatasetHash.ComputeSha256(RepoPaths.ConvoMemDirectory), data.Sha256);
        Assert.NotEqual(DatasetHash.ComputeSha256(RepoPaths.ConvoMemFile), data.Sha256);
    }

    [Fact]
    public void Items_without_a_haystack_become_their_own_conversations()
    {
        using var dir = new TempDirectory();
        string file = dir.Write("items.json", PerItem);

        BenchmarkDataset data = ConvoMemLoader.Load(file);

        Assert.Equal(["items#0", "items#1"], data.Conversations.Select(c => c.Id));
        Assert.Equal(["c0", "c1"], data.Conversations[0].Sessions.Select(s => s.Id));
        Assert.Equal(["c0:0", "c0:1"], data.Conversations[0].Sessions[0].Turns.Select(t => t.Id));

        BenchQuestion kids = data.Questions[0];
        Assert.Equal("items#0", kids.ConversationId);
        Assert.Equal("3", kids.Answer);
        Assert.Equal(["c1:0"], kids.EvidenceTurnIds);
        Assert.Equal(["c1"], kids.EvidenceSessionIds);
        Assert.False(kids.IsAdversarial);
        Assert.True(data.Questions[1].IsAdversarial);
        Assert.Equal(1, data.Diagnostics.UnmatchedEvidenceMessages);
    }

    [Theory]
    [InlineData("truncated", "$", "not valid JSON")]
    [InlineData("rootarraynumber", "$[0]", "expected an object but found a number")]
    [InlineData("rootarrayempty", "$", "array is empty")]
    [InlineData("noitems", "$", "missing required field 'evidenceItems'")]
    [InlineData("emptyitems", "$.evidenceItems", "array is empty")]
    [InlineData("messagesstring", "$.evidenceItems[1].conversations[0].messages", "expected an array but found a string")]
    [InlineData("noquestion", "$.evidenceItems[0]", "missing required field 'question'")]
    public void Malformed_files_fail_with_file_path_and_problem(string variant, string jsonPath, string problem)
    {
        string content = variant switch
        {
            "truncated" => PerItem[..100],
            "rootarraynumber" => "[1]",
            "rootarrayempty" => "[]",
            "noitems" => """{"conversations": []}""",
            "emptyitems" => """{"evidenceItems": []}""",
            "messagesstring" => PerItem.Replace("""[{"messages": [{"speaker": "User", "text": "Hi"}]}]""", """[{"messages": "Hi"}]""", StringComparison.Ordinal),
            "noquestion" => PerItem.Replace("\"question\": \"How many kids?\",", "", StringComparison.Ordinal),
            _ => throw new ArgumentOutOfRangeException(nameof(variant)),
        };
        using var dir = new TempDirectory();
        string file = dir.Write(variant + ".json", content);

        var ex = Assert.Throws<DatasetFormatException>(() => ConvoMemLoader.Load(file));

        Assert.Equal(file, ex.FilePath);
        Assert.Equal(jsonPath, ex.JsonPath);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_batched_file_of_test_cases_loads_each_with_its_own_haystack_and_snake_case_items_are_read()
    {
        // As published: pre_mixed_testcases/<type>/<n>_evidence/batched_NNN.json is a list of test cases.
        const string TestCase = """
            {"evidenceItems": [{"question": "Where do I work?", "answer": "Acme",
              "message_evidences": [{"speaker": "User", "text": "I work at Acme."}],
              "conversations": [{"id": "e1", "messages": [{"speaker": "User", "text": "I work at Acme."}]}]}],
             "conversations": [{"id": "f1", "messages": [{"speaker": "User", "text": "Nice weather."}]},
                               {"id": "e1", "messages": [{"speaker": "User", "text": "I work at Acme."}]}],
             "contextSize": 2}
            """;
        using var dir = new TempDirectory();
        dir.Write(Path.Combine("user_evidence", "1_evidence", "batched_000.json"), $"[{TestCase},{TestCase}]");
        dir.Write(Path.Combine("user_evidence", "1_evidence", "items.json"), TestCase.Replace("evidenceItems", "evidence_items", StringComparison.Ordinal));

        BenchmarkDataset data = ConvoMemLoader.Load(dir.Path);

        Assert.Equal(["user_evidence/1_evidence/batched_000[0]", "user_evidence/1_evidence/batched_000[1]", "user_evidence/1_evidence/items"], data.Conversations.Select(c => c.Id.Replace('\\', '/')));
        Assert.Equal(3, data.Questions.Count);
        Assert.All(data.Questions, q => Assert.Equal(["c1:0"], q.EvidenceTurnIds));
        Assert.All(data.Questions, q => Assert.False(q.IsAdversarial));
    }

    [Fact]
    public void Evidence_is_matched_in_the_conversations_an_item_names_not_in_filler_that_says_the_same()
    {
        // The filler f1 holds the evidence message word for word; the item names e1 as its evidence conversation.
        const string TestCase = """
            {"evidenceItems": [
               {"question": "Where do I work?", "answer": "Acme",
                "message_evidences": [{"speaker": "User", "text": "I work at Acme."}],
                "conversations": [{"id": "e1", "messages": [{"speaker": "User", "text": "I work at Acme."}]}]},
               {"question": "Where?", "answer": "Acme",
                "message_evidences": [{"speaker": "User", "text": "I work at Acme."}],
                "conversations": [{"messages": [{"speaker": "User", "text": "I work at Acme."}]}]}],
             "conversations": [{"id": "f1", "messages": [{"speaker": "User", "text": "I work at Acme."}]},
                               {"id": "e1", "messages": [{"speaker": "User", "text": "Hi"}, {"speaker": "User", "text": "I work at Acme."}]}]}
            """;
        using var dir = new TempDirectory();

        BenchmarkDataset data = ConvoMemLoader.Load(dir.Write("case.json", TestCase));

        Assert.Equal(["c1:1"], data.Questions[0].EvidenceTurnIds);
        Assert.Equal(["c1"], data.Questions[0].EvidenceSessionIds);

        // An item that names no conversation still finds its evidence wherever it is said.
        Assert.Equal(["c0:0", "c1:1"], data.Questions[1].EvidenceTurnIds);
        Assert.Equal(0, data.Diagnostics.UnmatchedEvidenceMessages);
    }

    [Fact]
    public void Items_under_an_abstention_folder_are_adversarial_whatever_their_category()
    {
        // The published abstention items carry their use case as category ("Professional Life"), and related but
        // insufficient messages as evidence.
        const string Abstention = """
            {"evidence_items": [{"question": "What is my manager's phone number?", "answer": "This was not mentioned.",
              "category": "Professional Life",
              "message_evidences": [{"speaker": "User", "text": "My manager is Dana."}],
              "conversations": [{"messages": [{"speaker": "User", "text": "My manager is Dana."}]}]}]}
            """;
        using var dir = new TempDirectory();
        string file = dir.Write(Path.Combine("abstention_evidence", "1_evidence", "batched_000.json"), Abstention);

        Assert.True(Assert.Single(ConvoMemLoader.Load(dir.Path).Questions).IsAdversarial);
        Assert.True(Assert.Single(ConvoMemLoader.Load(file).Questions).IsAdversarial);

        // Loaded from inside the abstention folder, as one evidence type is run: its items stayed answerable questions.
        Assert.True(Assert.Single(ConvoMemLoader.Load(Path.Combine(dir.Path, "abstention_evidence")).Questions).IsAdversarial);
        Assert.True(Assert.Single(ConvoMemLoader.Load(Path.Combine(dir.Path, "abstention_evidence", "1_evidence")).Questions).IsAdversarial);

        // A folder outside the dataset that merely mentions abstention labels nothing.
        dir.Write(Path.Combine("abstention-study", "convomem", "batched_000.json"), Abstention);
        Assert.False(Assert.Single(ConvoMemLoader.Load(Path.Combine(dir.Path, "abstention-study", "convomem")).Questions).IsAdversarial);
        Assert.Equal("Professional Life", Assert.Single(ConvoMemLoader.Load(file).Questions).Category);
    }

    [Fact]
    public void A_file_is_labelled_as_the_folder_that_holds_it()
    {
        const string Item = """
            {"evidence_items": [{"question": "Where do I work?", "answer": "Acme",
              "message_evidences": [{"speaker": "User", "text": "I work at Acme."}],
              "conversations": [{"messages": [{"speaker": "User", "text": "I work at Acme."}]}]}]}
            """;
        using var dir = new TempDirectory();

        // The same data by file or by folder: a study folder that merely mentions abstention labels neither.
        string study = dir.Write(Path.Combine("abstention-study", "convomem", "batched_000.json"), Item);
        Assert.False(Assert.Single(ConvoMemLoader.Load(Path.GetDirectoryName(study)!).Questions).IsAdversarial);
        Assert.False(Assert.Single(ConvoMemLoader.Load(study).Questions).IsAdversarial);

        // Directly inside the published folder, both label it.
        string published = dir.Write(Path.Combine("abstention_evidence", "batched_000.json"), Item);
        Assert.True(Assert.Single(ConvoMemLoader.Load(Path.GetDirectoryName(published)!).Questions).IsAdversarial);
        Assert.True(Assert.Single(ConvoMemLoader.Load(published).Questions).IsAdversarial);
    }

    [Fact]
    public void Directory_without_json_files_fails_clearly()
    {
        using var dir = new TempDirectory();
        dir.Write("README.md", "nothing here");

        var ex = Assert.Throws<DatasetFormatException>(() => ConvoMemLoader.Load(dir.Path));

        Assert.Contains("no *.json files", ex.Message, StringComparison.Ordinal);
    }
}
