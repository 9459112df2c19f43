using AgentMem.Agents.Structured;

namespace AgentMem.Agents.Tests.Structured;

/// <summary>Reading the JSON out of what models really reply.</summary>
public sealed class StructuredReplyTests
{
    [Theory]
    [InlineData("""{"action":"ADD"}""")]
    [InlineData("```json\n{\"action\":\"ADD\"}\n```")]
    [InlineData("<think>The user said {x} and [y]; I think ADD.</think>\n{\"action\":\"ADD\"}")] // a reasoning model's block
    [InlineData("Answer [JSON]: {\"action\":\"ADD\"}")]
    [InlineData("{\"action\":\"ADD\"}\nI chose ADD since nothing like {it} is stored.")] // prose with a brace after the object
    [InlineData("{\"action\":\"ADD\",}")] // a trailing comma
    [InlineData("Fact [1] is new: {\"action\":\"ADD\",\"id\":null,\"reason\":\"x\"}")] // an array of no object in the prose
    [InlineData("Unlike facts [\"F1\", \"F2\"] and [[2]]: {\"action\":\"ADD\"}")]
    public void The_object_is_found_in_the_replies_models_give(string reply)
    {
        Assert.True(StructuredReply.TryReadObject(reply, out var root, out string problem), problem);
        Assert.Equal("ADD", root.GetProperty("action").GetString());
    }

    [Theory]
    [InlineData("", "it is empty")]
    [InlineData("Sure, I added it.", "it holds no JSON object")]
    [InlineData("""[{"action":"ADD"},{"action":"DELETE"}]""", "not an array")]
    [InlineData("""Decisions: [[{"action":"ADD"}]]""", "not an array")]
    [InlineData("Facts [1] and [2].", "it holds no JSON object")]
    [InlineData("{\"action\": ADD}", "not valid JSON")]
    [InlineData("{\"decision\": {\"action\":\"ADD\",\"id\":null}, \"reason\": \"the user", "not valid JSON")] // cut off: not its inner object
    public void What_holds_no_single_object_is_refused_with_the_reason(string reply, string problem)
    {
        Assert.False(StructuredReply.TryReadObject(reply, out _, out string got));
        Assert.Contains(problem, got, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""["The user has a cat named Miso."]""", "The user has a cat named Miso.")]
    [InlineData("As asked (reply [] if there are none): [\"The user lives in Oslo.\"]", "The user lives in Oslo.")] // the format quoted first
    [InlineData("<think>maybe [\"x\"]?</think>[\"The user is vegan.\"]", "The user is vegan.")]
    [InlineData("{\"facts\": [\"The user has a cat.\"]}", "The user has a cat.")] // a JSON-mode endpoint's wrapping
    [InlineData("[\"The user runs.\"] (otherwise I would reply [])", "The user runs.")]
    public void Facts_are_read_from_the_last_array(string reply, string fact)
    {
        Assert.Equal([fact], FactExtractor.Parse(reply, maxFacts: 5));
    }

    [Theory]
    [InlineData("{\"facts\":[\"The user has a cat named Miso.\"],\"topics\":[\"pets\"]}", "The user has a cat named Miso.")] // not the last property
    [InlineData("{\"Facts\":[\"The user has a cat named Miso.\"],\"confidence\":[0.9]}", "The user has a cat named Miso.")]
    [InlineData("[\"The user likes tea.\"] (confidence: [0.9])", "The user likes tea.")] // an array after it with no string
    [InlineData("{\"items\":[\"The user likes tea.\"],\"scores\":[1]}", "The user likes tea.")]
    public void Facts_are_the_wrapped_facts_property_or_an_array_of_strings_not_any_array(string reply, string fact)
    {
        // The last non-empty array anywhere was taken: a wrapper's other array ("topics") was stored as the facts, and a
        // trailing array of numbers gave no facts at all.
        Assert.Equal([fact], FactExtractor.Parse(reply, maxFacts: 5));
    }

    [Fact]
    public void A_wrapped_empty_facts_property_means_no_facts_whatever_else_the_object_holds()
    {
        Assert.Empty(FactExtractor.Parse("{\"facts\":[],\"topics\":[\"pets\"]}", maxFacts: 5));
    }

    [Theory]
    [InlineData("{\"action\":\"ADD\\ud800\"}")]
    [InlineData("{\"act\\udc00ion\":\"ADD\"}")]
    [InlineData("{\"decision\":{\"reasons\":[\"x\\ud83d\"]}}")]
    [InlineData("[{\"action\":\"ADD\"}, \"\\ud800\"]")] // not its inner object, read from inside the refused array
    public void An_escaped_lone_surrogate_is_refused_as_invalid_json(string reply)
    {
        // It parsed, and reading the string then threw past every validator and fallback (the turn failed).
        Assert.False(StructuredReply.TryReadObject(reply, out _, out string problem));
        Assert.Contains("lone surrogate", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Facts_lose_their_control_characters_and_a_fact_with_a_lone_surrogate_escape_is_not_read()
    {
        // A NUL ("\u0000") is refused by the store: the fact failed the turn's write-back.
        Assert.Equal(["The user likes tea"], FactExtractor.Parse("[\"The user likes\\u0000 tea\"]", maxFacts: 5));
        Assert.Empty(FactExtractor.Parse("[\"The user likes tea\\ud800\"]", maxFacts: 5));
    }

    [Fact]
    public void Cleaned_model_text_is_cut_between_characters_not_inside_one()
    {
        string text = new string('a', 9) + "😀" + "tail";
        Assert.Equal(new string('a', 9), StructuredReply.Clean(text, 10));
        Assert.Equal(new string('a', 9) + "😀", StructuredReply.Clean(text, 11));
    }
}
