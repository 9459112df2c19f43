using System.Text;
using AgentMem.Benchmarks.Datasets;
using AgentMem.Benchmarks.Datasets.Synthetic;

namespace AgentMem.Benchmarks.Tests;

public class LongChatGeneratorTests
{
    /// <summary>The reference set, generated once for all tests that only read it.</summary>
    private static readonly Lazy<LongChatGeneration> Defaults = new(() => LongChatGenerator.Build(new LongChatOptions()));

    private static LongChatOptions Small(int seed = 7) => new()
    {
        Seed = seed,
        Conversations = 2,
        SessionsPerConversation = 4,
        TurnsPerSession = 6,
        FactsPerConversation = 10,
    };

    [Fact]
    public void Same_seed_gives_the_same_dataset_and_hash()
    {
        BenchmarkDataset first = LongChatGenerator.Generate(new LongChatOptions());
        BenchmarkDataset second = Defaults.Value.Dataset;

        Assert.Matches("^[0-9a-f]{64}$", first.Sha256);
        Assert.Equal(first.Sha256, second.Sha256);
        Assert.Equal(Texts(first), Texts(second));
        Assert.Equal(first.Questions.Select(q => q.Question), second.Questions.Select(q => q.Question));
    }

    [Fact]
    public void Different_seed_gives_a_different_dataset()
    {
        BenchmarkDataset seven = LongChatGenerator.Generate(Small(7));
        BenchmarkDataset eight = LongChatGenerator.Generate(Small(8));

        Assert.Equal(LongChatGenerator.Generate(Small(7)).Sha256, seven.Sha256);
        Assert.NotEqual(seven.Sha256, eight.Sha256);
        Assert.NotEqual(Texts(seven)[0], Texts(eight)[0]);
    }

    [Fact]
    public void Defaults_have_the_documented_shape()
    {
        BenchmarkDataset data = Defaults.Value.Dataset;

        Assert.Equal("longchat", data.Name);
        Assert.Equal("generated:longchat?seed=7&conversations=8&sessions=16&turns=8&facts=30&giant=true", data.SourcePath);
        Assert.Equal(8, data.Conversations.Count);
        Assert.Equal(8 * 16, data.SessionCount);
        Assert.Equal(8 * 16 * 8, data.TurnCount);
        var byCategory = data.Questions.GroupBy(q => q.Category).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(8 * 15, byCategory[LongChatGenerator.AssistantFact]);
        Assert.Equal(8 * 6, byCategory[LongChatGenerator.UserFact]);
        Assert.Equal(8 * 3, byCategory[LongChatGenerator.UpdatedFact]);
        Assert.Equal(8 * 3, byCategory[LongChatGenerator.TwoFacts]);
        Assert.Equal(1, byCategory[LongChatGenerator.GiantMessage]);
        Assert.Equal(data.Questions.Count, data.Questions.Select(q => q.Id).Distinct().Count());
        Assert.All(data.Questions, q => Assert.False(q.IsAdversarial));

        foreach (BenchConversation conversation in data.Conversations)
        {
            Assert.Equal(Enumerable.Range(1, 16).Select(i => $"D{i}"), conversation.Sessions.Select(s => s.Id));
            Assert.All(conversation.Sessions, s => Assert.Equal(Enumerable.Range(1, 8).Select(t => $"{s.Id}:{t}"), s.Turns.Select(t => t.Id)));
            Assert.All(conversation.Sessions, s => Assert.Equal(["user", "assistant", "user", "assistant", "user", "assistant", "user", "assistant"], s.Turns.Select(t => t.Speaker)));
            var dates = conversation.Sessions.Select(s => s.Date!.Value).ToList();
            Assert.Equal(2025, dates[0].Year);
            Assert.True(dates.Zip(dates.Skip(1)).All(p => p.First < p.Second), "sessions are dated in order");
            DateTimeOffset last = dates[^1];
            Assert.All(data.Questions.Where(q => q.ConversationId == conversation.Id), q => Assert.True(q.QuestionDate > last));
        }
    }

    [Fact]
    public void Every_evidence_turn_exists_and_holds_the_planted_sentence_and_answer()
    {
        (BenchmarkDataset data, IReadOnlyList<LongChatPlantedFact> planted) = Defaults.Value;
        var turns = AllTurns(data);

        foreach (BenchQuestion question in data.Questions)
        {
            var evidence = question.EvidenceTurnIds.Select(id => turns[(question.ConversationId, id)]).ToList();
            Assert.NotEmpty(evidence);
            Assert.Equal(question.EvidenceTurnIds.Select(TurnIds.SessionOf).Distinct(), question.EvidenceSessionIds);
            Assert.False(string.IsNullOrEmpty(question.Answer));
            Assert.Contains(evidence, t => t.Text.Contains(question.Answer, StringComparison.Ordinal));

            var sentences = planted.Where(p => p.QuestionId == question.Id).ToList();
            foreach (LongChatPlantedFact fact in sentences)
            {
                BenchTurn host = turns[(question.ConversationId, fact.TurnId)];
                Assert.Contains(fact.Sentence, host.Text, StringComparison.Ordinal);
                Assert.Contains(fact.Value, fact.Sentence, StringComparison.Ordinal);
                Assert.Equal(fact.Role != "superseded", question.EvidenceTurnIds.Contains(fact.TurnId));
            }

            switch (question.Category)
            {
                case LongChatGenerator.UpdatedFact:
                    // Evidence is only the later message, which names the new value; the earlier one stated the old value.
                    LongChatPlantedFact old = Assert.Single(sentences, s => s.Role == "superseded");
                    LongChatPlantedFact current = Assert.Single(sentences, s => s.Role == "evidence");
                    Assert.Equal(current.TurnId, Assert.Single(question.EvidenceTurnIds));
                    Assert.Equal(question.Answer, current.Value);
                    Assert.NotEqual(old.Value, current.Value);
                    Assert.True(SessionNumber(old.TurnId) < SessionNumber(current.TurnId), "the change comes in a later session");
                    break;
                case LongChatGenerator.TwoFacts:
                    Assert.Equal(2, question.EvidenceTurnIds.Count);
                    Assert.Single(sentences, s => s.Role == "bridge");
                    Assert.Equal(question.Answer, Assert.Single(sentences, s => s.Role == "evidence").Value);
                    break;
                case LongChatGenerator.AssistantFact or LongChatGenerator.GiantMessage or LongChatGenerator.UserFact:
                    Assert.Single(question.EvidenceTurnIds);
                    string speaker = question.Category == LongChatGenerator.AssistantFact ? "assistant" : "user";
                    Assert.Equal(speaker, evidence[0].Speaker);
                    break;
                default:
                    Assert.Fail($"unexpected category {question.Category}");
                    break;
            }
        }
    }

    [Fact]
    public void Planted_sentences_are_never_in_the_first_or_last_paragraph_and_each_message_hosts_at_most_one()
    {
        (BenchmarkDataset data, IReadOnlyList<LongChatPlantedFact> planted) = Defaults.Value;
        var turns = AllTurns(data);

        foreach (LongChatPlantedFact fact in planted)
        {
            string conversationId = data.Questions.Single(q => q.Id == fact.QuestionId).ConversationId;
            string[] paragraphs = turns[(conversationId, fact.TurnId)].Text.Split("\n\n");
            int at = Array.FindIndex(paragraphs, p => p.Contains(fact.Sentence, StringComparison.Ordinal));
            Assert.True(at > 0 && at < paragraphs.Length - 1, $"{fact.QuestionId}: sentence in paragraph {at} of {paragraphs.Length}");
        }

        var hosts = planted.Select(p => (data.Questions.Single(q => q.Id == p.QuestionId).ConversationId, p.TurnId)).ToList();
        Assert.Equal(hosts.Count, hosts.Distinct().Count());
    }

    [Fact]
    public void Questions_paraphrase_rather_than_quote_and_do_not_give_away_the_answer()
    {
        (BenchmarkDataset data, IReadOnlyList<LongChatPlantedFact> planted) = Defaults.Value;
        var questions = data.Questions.ToDictionary(q => q.Id);

        foreach (LongChatPlantedFact fact in planted)
        {
            BenchQuestion question = questions[fact.QuestionId];
            Assert.DoesNotContain(fact.Sentence, question.Question, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(question.Answer!, question.Question, StringComparison.OrdinalIgnoreCase);
        }

        // The wording varies: many distinct question texts, not one template per attribute.
        Assert.True(data.Questions.Select(q => q.Question).Distinct().Count() > data.Questions.Count * 9 / 10);
    }

    [Fact]
    public void Giant_message_is_about_350_KB_with_its_answer_in_the_middle()
    {
        (BenchmarkDataset data, _) = Defaults.Value;
        BenchQuestion question = Assert.Single(data.Questions, q => q.Category == LongChatGenerator.GiantMessage);
        Assert.Equal(data.Conversations[0].Id, question.ConversationId);
        BenchTurn giant = AllTurns(data)[(question.ConversationId, Assert.Single(question.EvidenceTurnIds))];

        int bytes = Encoding.UTF8.GetByteCount(giant.Text);
        Assert.InRange(bytes, 300_000, 400_000);
        int at = giant.Text.IndexOf(question.Answer!, StringComparison.Ordinal);
        Assert.Equal(at, giant.Text.LastIndexOf(question.Answer!, StringComparison.Ordinal));
        Assert.InRange(at, giant.Text.Length / 4, giant.Text.Length * 3 / 4);
        Assert.Equal("user", giant.Speaker);

        // Only one giant message in the whole set.
        Assert.Single(data.Conversations.SelectMany(c => c.Sessions).SelectMany(s => s.Turns), t => t.Text.Length > 100_000);
    }

    [Fact]
    public void Without_the_giant_message_there_is_no_giant_question()
    {
        LongChatOptions options = Small();
        options.IncludeGiantMessage = false;
        BenchmarkDataset data = LongChatGenerator.Generate(options);

        Assert.DoesNotContain(data.Questions, q => q.Category == LongChatGenerator.GiantMessage);
        Assert.All(data.Conversations.SelectMany(c => c.Sessions).SelectMany(s => s.Turns), t => Assert.True(t.Text.Length < 25_000));
    }

    [Fact]
    public void Message_lengths_follow_the_stated_ranges()
    {
        (BenchmarkDataset data, _) = Defaults.Value;
        var all = data.Conversations.SelectMany(c => c.Sessions).SelectMany(s => s.Turns).ToList();

        var answers = all.Where(t => t.Speaker == "assistant").Select(t => t.Text.Length).Order().ToList();
        Assert.All(answers, n => Assert.InRange(n, 1_500, 15_000));
        Assert.True(answers[answers.Count / 2] > 3_000, $"median assistant answer is {answers[answers.Count / 2]} characters");

        var users = all.Where(t => t.Speaker == "user" && t.Text.Length < 100_000).Select(t => Encoding.UTF8.GetByteCount(t.Text)).ToList();
        Assert.All(users, n => Assert.True(n < 600 || n is >= 2_000 and <= 20_480, $"user message of {n} bytes"));
        int shortOnes = users.Count(n => n < 600);
        Assert.True(shortOnes > users.Count * 2 / 3, $"{shortOnes} of {users.Count} user messages are short");
        Assert.True(users.Count - shortOnes >= 8 * 6, "every user fact has a long host message");
    }

    [Fact]
    public void Assistant_answers_are_markdown_with_varied_text()
    {
        (BenchmarkDataset data, _) = Defaults.Value;
        var answers = data.Conversations.SelectMany(c => c.Sessions).SelectMany(s => s.Turns).Where(t => t.Speaker == "assistant").ToList();

        Assert.True(answers.Count(a => a.Text.Contains("\n## ", StringComparison.Ordinal)) > answers.Count * 9 / 10);
        Assert.True(answers.Count(a => a.Text.Contains("\n```", StringComparison.Ordinal)) > answers.Count / 3);
        Assert.True(answers.Count(a => a.Text.Contains("\n- ", StringComparison.Ordinal)) > answers.Count / 5);

        // Long prose paragraphs almost never repeat verbatim anywhere in the set.
        var paragraphs = answers.SelectMany(a => a.Text.Split("\n\n")).Where(p => p.Length > 300 && !p.StartsWith("```", StringComparison.Ordinal)).ToList();
        Assert.True(paragraphs.Distinct().Count() > paragraphs.Count * 95 / 100, $"{paragraphs.Distinct().Count()} distinct of {paragraphs.Count}");
    }

    [Fact]
    public void Locomo_round_trip_gives_the_same_conversations_questions_and_hash()
    {
        (BenchmarkDataset data, _) = Defaults.Value;
        using var dir = new TempDirectory();
        string file = Path.Combine(dir.Path, "longchat.json");
        using (FileStream stream = File.Create(file))
        {
            LocomoJsonWriter.Write(data, stream);
        }

        BenchmarkDataset loaded = LocomoLoader.Load(file);

        Assert.Equal(data.Sha256, loaded.Sha256);
        Assert.Equal(0, loaded.Diagnostics.DroppedEvidenceReferences);
        Assert.Equal(0, loaded.Diagnostics.RepairedEvidenceReferences);
        Assert.Equal(data.Conversations.Count, loaded.Conversations.Count);
        foreach ((BenchConversation expected, BenchConversation actual) in data.Conversations.Zip(loaded.Conversations))
        {
            Assert.Equal(expected.Id, actual.Id);
            Assert.Equal(expected.Sessions.Count, actual.Sessions.Count);
            foreach ((BenchSession s, BenchSession t) in expected.Sessions.Zip(actual.Sessions))
            {
                Assert.Equal(s.Id, t.Id);
                Assert.Equal(s.Date, t.Date);
                Assert.Equal(s.Turns, t.Turns);
            }
        }

        Assert.Equal(data.Questions.Count, loaded.Questions.Count);
        foreach ((BenchQuestion expected, BenchQuestion actual) in data.Questions.Zip(loaded.Questions))
        {
            Assert.Equal(expected.Id, actual.Id);
            Assert.Equal(expected.ConversationId, actual.ConversationId);
            Assert.Equal(expected.Question, actual.Question);
            Assert.Equal(expected.Answer, actual.Answer);
            Assert.Equal(expected.Category, actual.Category);
            Assert.Equal(expected.IsAdversarial, actual.IsAdversarial);
            Assert.Equal(expected.EvidenceTurnIds, actual.EvidenceTurnIds);
            Assert.Equal(expected.EvidenceSessionIds, actual.EvidenceSessionIds);
            Assert.Equal(expected.AdversarialAnswer, actual.AdversarialAnswer);
            // LoCoMo's schema has no question date.
            Assert.Null(actual.QuestionDate);
        }
    }

    [Fact]
    public void Writer_keeps_integer_categories_as_numbers_and_refuses_ids_that_would_not_round_trip()
    {
        var turn = new BenchTurn("D1:1", "Ann", "Hi");
        var question = new BenchQuestion("c#q0", "c", "Q?", "A", "4", false, ["D1:1"], ["D1"], null, null);
        var good = new BenchmarkDataset("x", [new BenchConversation("c", [new BenchSession("D1", null, [turn])])], [question], "mem");
        using var buffer = new MemoryStream();
        LocomoJsonWriter.Write(good, buffer);
        Assert.Contains("\"category\": 4", Encoding.UTF8.GetString(buffer.ToArray()), StringComparison.Ordinal);

        var badSession = good with { Conversations = [new BenchConversation("c", [new BenchSession("S1", null, [turn])])] };
        Assert.Throws<ArgumentException>(() => LocomoJsonWriter.Write(badSession, new MemoryStream()));
        var badTurn = good with { Conversations = [new BenchConversation("c", [new BenchSession("D1", null, [turn with { Id = "D2:1" }])])] };
        Assert.Throws<ArgumentException>(() => LocomoJsonWriter.Write(badTurn, new MemoryStream()));
    }

    [Theory]
    [InlineData(nameof(LongChatOptions.Conversations), 0)]
    [InlineData(nameof(LongChatOptions.SessionsPerConversation), 1)]
    [InlineData(nameof(LongChatOptions.TurnsPerSession), 1)]
    [InlineData(nameof(LongChatOptions.FactsPerConversation), 0)]
    [InlineData(nameof(LongChatOptions.FactsPerConversation), LongChatOptions.MaxFactsPerConversation + 1)]
    public void Options_out_of_range_are_refused(string property, int value)
    {
        var options = new LongChatOptions();
        typeof(LongChatOptions).GetProperty(property)!.SetValue(options, value);

        var ex = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.Equal(property, ex.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => LongChatGenerator.Generate(options));
    }

    [Fact]
    public void Too_many_facts_for_the_turns_are_refused()
    {
        var options = new LongChatOptions { SessionsPerConversation = 2, TurnsPerSession = 4, FactsPerConversation = 10 };

        var ex = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.Equal(nameof(LongChatOptions.FactsPerConversation), ex.ParamName);
        new LongChatOptions().Validate();
    }

    private static List<string> Texts(BenchmarkDataset data) =>
        data.Conversations.SelectMany(c => c.Sessions).SelectMany(s => s.Turns).Select(t => t.Text).ToList();

    private static Dictionary<(string Conversation, string Turn), BenchTurn> AllTurns(BenchmarkDataset data) =>
        data.Conversations.SelectMany(c => c.Sessions.SelectMany(s => s.Turns).Select(t => (c.Id, t))).ToDictionary(x => (x.Id, x.t.Id), x => x.t);

    private static int SessionNumber(string turnId) => int.Parse(TurnIds.SessionOf(turnId)[1..], System.Globalization.CultureInfo.InvariantCulture);
}
