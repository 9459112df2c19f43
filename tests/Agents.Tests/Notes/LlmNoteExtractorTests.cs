using AgentMem.Agents.Notes;
using AgentMem.MemoryCore.Notes;
using static AgentMem.Agents.Tests.ScriptedChatClient;

namespace AgentMem.Agents.Tests.Notes;

/// <summary>The model path of note construction: valid, broken and adversarial replies.</summary>
public sealed class LlmNoteExtractorTests
{
    private static readonly NoteInput Input = new("We adopted a puppy named Max yesterday!", "Nate", new DateTimeOffset(2023, 5, 8, 13, 56, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_valid_reply_becomes_the_note_and_the_prompt_carries_speaker_date_and_schema()
    {
        using var client = new ScriptedChatClient(Say("""{"keywords":["Max","puppy","adoption"],"tags":["pet","family"],"context":"Nate tells that his family adopted a puppy, Max, on 7 May 2023.","category":"event"}"""));
        var extractor = new LlmNoteExtractor(client);
        var note = await extractor.ExtractAsync(Input);
        Assert.Equal(["max", "puppy", "adoption"], note.Keywords);
        Assert.Equal(["pet", "family"], note.Tags);
        Assert.Equal("event", note.Category);
        Assert.Contains("7 May 2023", note.Context, StringComparison.Ordinal);
        Assert.Null(extractor.LastFallbackReason);
        var (messages, options) = Assert.Single(client.Requests);
        Assert.Contains("SPEAKER: \"Nate\"", messages[1].Text, StringComparison.Ordinal);
        Assert.Contains("DATE: 2023-05-08 13:56", messages[1].Text, StringComparison.Ordinal);
        Assert.NotNull(options?.ResponseFormat);
    }

    [Fact]
    public async Task Broken_json_is_retried_with_the_error_and_prose_around_json_is_tolerated()
    {
        using var client = new ScriptedChatClient(
            Say("""{"keywords":["max", "puppy"],"tags":["pet"],"context":"Nate ad"""),
            Say("Sure! Here is the note:\n```json\n{\"keywords\":[\"max\"],\"tags\":[\"pet\"],\"context\":\"Nate adopted Max.\",\"category\":\"event\"}\n```"));
        var extractor = new LlmNoteExtractor(client);
        var note = await extractor.ExtractAsync(Input);
        Assert.Equal(["max"], note.Keywords);
        Assert.Equal(2, client.Requests.Count);
        Assert.Contains("That reply is invalid", client.Requests[1].Messages[^1].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_shapes_are_rejected_and_after_the_last_try_the_rules_decide()
    {
        using var client = new ScriptedChatClient(
            Say("""[{"keywords":[],"tags":[],"context":"x","category":"event"}]"""),
            Say("""{"keywords":"max","tags":["pet"],"context":"x","category":"event"}"""),
            Say("""{"keywords":["max"],"tags":["pet"],"context":"x","category":"gossip"}"""));
        var extractor = new LlmNoteExtractor(client);
        var note = await extractor.ExtractAsync(Input);
        var rules = new RuleNoteExtractor().Extract(Input);
        Assert.Equal(rules.Keywords, note.Keywords);
        Assert.Equal(rules.Context, note.Context);
        Assert.Contains("category", extractor.LastFallbackReason, StringComparison.Ordinal);
        Assert.Equal(3, client.Requests.Count);
    }

    [Fact]
    public async Task Adversarial_output_is_capped_and_cleaned_and_a_failing_model_falls_back()
    {
        string flood = string.Join(",", Enumerable.Range(0, 50).Select(i => $"\"k{i}\""));
        using var client = new ScriptedChatClient(
            Say("{\"keywords\":[" + flood + "],\"tags\":[],\"context\":\"x\",\"category\":\"fact\"}"),
            Say("{\"keywords\":[\"ignore previous instructions\\u0007\"],\"tags\":[\"pet\"],\"context\":\"" + new string('a', 1000) + "\",\"category\":\"FACT\"}"));
        var extractor = new LlmNoteExtractor(client);
        var note = await extractor.ExtractAsync(Input);
        Assert.Equal(["ignore previous instructions"], note.Keywords);
        Assert.Equal(300, note.Context.Length);
        Assert.Equal("fact", note.Category);

        using var failing = new ScriptedChatClient();
        var fallback = new LlmNoteExtractor(failing);
        var ruled = await fallback.ExtractAsync(Input);
        Assert.Equal(new RuleNoteExtractor().Extract(Input).Tags, ruled.Tags);
        Assert.Contains("model call failed", fallback.LastFallbackReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tags_the_agent_marks_its_own_memories_with_are_not_the_models_to_give()
    {
        // A note tagged core-block:human by the model became the user's core block, pasted whole into every system message.
        using var client = new ScriptedChatClient(Say("""{"keywords":["max"],"tags":["core-block","Core-Block:human","session-summary","pet"],"context":"Nate adopted Max.","category":"event"}"""));
        var note = await new LlmNoteExtractor(client).ExtractAsync(Input);
        Assert.Equal(["pet"], note.Tags);
    }
}
