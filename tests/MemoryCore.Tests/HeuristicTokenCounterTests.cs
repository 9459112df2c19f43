using AgentMem.MemoryCore.Text;

namespace AgentMem.MemoryCore.Tests;

public sealed class HeuristicTokenCounterTests
{
    [Theory]
    [InlineData("", 0)]
    [InlineData("   ", 0)]
    [InlineData("cat", 1)]
    [InlineData("tree", 1)]
    [InlineData("trees", 2)]
    [InlineData("Hello, world!", 6)] // Hello = ceil(5/4) = 2, "," = 1, world = 2, "!" = 1
    [InlineData("2023-05-08", 5)]    // 2023 = 1, "-" = 1, 05 = 1, "-" = 1, 08 = 1
    public void Counts_word_pieces_and_punctuation(string text, int expected) =>
        Assert.Equal(expected, HeuristicTokenCounter.Instance.CountTokens(text));

    [Fact]
    public void Counts_are_additive_over_whitespace_separated_parts()
    {
        var counter = HeuristicTokenCounter.Instance;
        Assert.Equal(counter.CountTokens("alpha beta") + counter.CountTokens("gamma"), counter.CountTokens("alpha beta gamma"));
        Assert.False(counter.IsExact);
    }
}
