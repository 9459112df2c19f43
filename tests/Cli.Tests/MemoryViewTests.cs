using AgentMem.Cli.Output;
using AgentMem.Common.Text;

namespace AgentMem.Cli.Tests;

/// <summary>MemoryView.Clip: the one-line previews of list, search, history, links and chat.</summary>
public sealed class MemoryViewTests
{
    [Theory]
    [InlineData(68)] // the emoji's pair would be cut between its halves
    [InlineData(69)] // the emoji is the last character kept
    [InlineData(67)]
    public void Clip_never_splits_a_surrogate_pair(int before)
    {
        string text = new string('a', before) + "😀tail";

        string clipped = MemoryView.Clip(text, 70);

        Assert.True(clipped.Length <= 70, clipped);
        Assert.EndsWith("…", clipped, StringComparison.Ordinal);
        Assert.Equal(-1, SafeNormalization.FindLoneSurrogate(clipped, 0));
        Assert.DoesNotContain('\uFFFD', clipped);
        Assert.StartsWith(clipped[..^1], text, StringComparison.Ordinal);
    }

    [Fact]
    public void Clip_keeps_text_that_fits_on_one_line()
    {
        Assert.Equal("one two", MemoryView.Clip("one\r\ntwo", 70));
        Assert.Equal("😀", MemoryView.Clip("😀", 2));
    }
}
