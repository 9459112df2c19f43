using AgentMem.Retrieval.Hybrid.Reranking;

namespace AgentMem.Retrieval.Tests.Hybrid.Reranking;

public sealed class QueryTopicTests
{
    [Theory]
    [InlineData("What did Caroline research?", "What did research?")]
    [InlineData("What is caroline's relationship status?", "What is relationship status?")]
    [InlineData("What did Caroline’s sister and Melanie Smith do?", "What did sister and do?")]
    [InlineData("Is Carolinesque a word?", null)]
    public void Names_are_removed_as_whole_words(string query, string? expected) =>
        Assert.Equal(expected, QueryTopic.WithoutActors(query, ["Caroline", "Melanie Smith"]));

    [Fact]
    public void Without_actors_there_is_no_topic_query() => Assert.Null(QueryTopic.WithoutActors("What did Caroline research?", null));
}
