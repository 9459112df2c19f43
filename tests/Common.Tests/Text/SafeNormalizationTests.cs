using System.Text;
using AgentMem.Common.Text;

namespace AgentMem.Common.Tests.Text;

public sealed class SafeNormalizationTests
{
    [Theory]
    [InlineData("caf\u0065\u0301 \uFFFE e\u0301", "caf\u00e9 \uFFFE \u00e9")]
    [InlineData("\uFFFE", "\uFFFE")]
    [InlineData("e\u0301\uD83D", "\u00e9\uD83D")]
    [InlineData("\uDC00e\u0301\uFFFE\uD83D", "\uDC00\u00e9\uFFFE\uD83D")]
    [InlineData("plain text", "plain text")]
    public void Runs_between_u_fffe_and_lone_surrogates_are_normalised_and_those_characters_kept(string text, string expected)
    {
        Assert.Equal(expected, SafeNormalization.Normalize(text, NormalizationForm.FormC));
    }

    [Fact]
    public void Well_formed_text_normalises_as_string_normalize_does()
    {
        const string text = "\uFB01ne \u2460 Z\u00fcrich \U0001F600 e\u0301";
        foreach (var form in new[] { NormalizationForm.FormC, NormalizationForm.FormD, NormalizationForm.FormKC, NormalizationForm.FormKD })
        {
            Assert.Equal(text.Normalize(form), SafeNormalization.Normalize(text, form));
        }
    }

    [Fact]
    public void Text_of_many_u_fffe_is_normalised_whole()
    {
        // Each U+FFFE ends one run: the search for the next must go on from there, not rescan the rest of the text.
        string text = string.Concat(Enumerable.Repeat("e\u0301\uFFFE", 200_000));
        Assert.Equal(string.Concat(Enumerable.Repeat("\u00e9\uFFFE", 200_000)), SafeNormalization.Normalize(text, NormalizationForm.FormC));
    }

    [Fact]
    public void A_lone_surrogate_is_found_and_a_pair_is_not()
    {
        Assert.Equal(-1, SafeNormalization.FindLoneSurrogate("a\U0001F600b", 0));
        Assert.Equal(1, SafeNormalization.FindLoneSurrogate("a\uD83Db", 0));
        Assert.Equal(3, SafeNormalization.FindLoneSurrogate("a\uD83Db\uDE00", 2));
    }
}
