using AgentMem.Retrieval.Lexical;

namespace AgentMem.Retrieval.Tests;

public sealed class QueryAnalyzerTests
{
    [Fact]
    public void Function_words_and_punctuation_are_dropped_and_case_folded()
    {
        Assert.Equal(["caroline", "go", "lgbtq", "support", "group"], QueryAnalyzer.Terms("When did Caroline go to the LGBTQ support group?"));
    }

    [Fact]
    public void Duplicates_are_removed_keeping_first_order()
    {
        Assert.Equal(["tea", "green"], QueryAnalyzer.Terms("tea, green tea, TEA"));
    }

    [Fact]
    public void A_query_of_only_stop_words_keeps_them_rather_than_matching_nothing()
    {
        Assert.Equal(["who", "are", "you"], QueryAnalyzer.Terms("Who are you?"));
    }

    [Fact]
    public void Numbers_and_non_latin_scripts_are_terms_and_overlong_tokens_are_dropped()
    {
        Assert.Equal(["2024", "東京", "café"], QueryAnalyzer.Terms("2024 東京 café " + new string('x', 65)));
    }

    [Fact]
    public void Empty_and_symbol_only_queries_give_no_terms()
    {
        Assert.Empty(QueryAnalyzer.Terms(""));
        Assert.Empty(QueryAnalyzer.Terms("?!* -- \"\""));
    }
}
