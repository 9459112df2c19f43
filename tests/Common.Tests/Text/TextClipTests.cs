using AgentMem.Common.Text;

namespace AgentMem.Common.Tests.Text;

public sealed class TextClipTests
{
    [Theory]
    [InlineData("abcdef", 3, "abc")]
    [InlineData("abc", 3, "abc")]
    [InlineData("ab", 5, "ab")]
    [InlineData("ab😀cd", 3, "ab")] // the cut would fall inside the pair
    [InlineData("ab😀cd", 4, "ab😀")]
    [InlineData("😀", 1, "")]
    [InlineData("abc", 0, "")]
    public void A_prefix_never_ends_inside_a_surrogate_pair(string text, int max, string expected)
    {
        Assert.Equal(expected, TextClip.Prefix(text, max).ToString());
    }

    [Theory]
    [InlineData("abcdef", 3, "def")]
    [InlineData("abc", 3, "abc")]
    [InlineData("ab", 5, "ab")]
    [InlineData("ab😀cd", 3, "cd")] // the cut would fall inside the pair
    [InlineData("ab😀cd", 4, "😀cd")]
    [InlineData("😀", 1, "")]
    [InlineData("abc", 0, "")]
    public void A_suffix_never_starts_inside_a_surrogate_pair(string text, int max, string expected)
    {
        Assert.Equal(expected, TextClip.Suffix(text, max).ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => TextClip.Suffix(text, -1));
    }

    [Fact]
    public void Shortened_text_keeps_the_marker_within_the_length()
    {
        Assert.Equal("short", TextClip.Shorten("short", 10, "..."));
        Assert.Equal("abcd...", TextClip.Shorten("abcdefghijk", 7, "..."));
        Assert.Equal("abc...", TextClip.Shorten("abc😀defghijk", 7, "..."));
        Assert.Throws<ArgumentOutOfRangeException>(() => TextClip.Shorten("abc", 2, "..."));
        Assert.Throws<ArgumentOutOfRangeException>(() => TextClip.Prefix("abc", -1));
    }
}
