using System.Text;
using AgentMem.MemoryCore.Text;

namespace AgentMem.MemoryCore.Tests.Text;

public sealed class PassageSplitterTests
{
    [Fact]
    public void A_short_text_is_one_passage()
    {
        Assert.Equal([new TextSpan(0, 1200)], PassageSplitter.Split(new string('a', 1200), 1000));
        Assert.Empty(PassageSplitter.Split(string.Empty, 1000));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Passages_cover_the_text_in_order_without_gaps_and_stay_under_twice_the_target(int seed)
    {
        string text = Prose(new Random(seed), 40_000);
        var spans = PassageSplitter.Split(text, 1000);
        Assert.True(spans.Count > 20);
        Assert.Equal(0, spans[0].Start);
        for (int i = 1; i < spans.Count; i++)
        {
            Assert.Equal(spans[i - 1].End, spans[i].Start);
        }

        Assert.Equal(text.Length, spans[^1].End);
        Assert.All(spans.Take(spans.Count - 1), s => Assert.InRange(s.Length, 500, 2000));
        Assert.Equal(text, string.Concat(spans.Select(s => s.Of(text))));
    }

    [Fact]
    public void Paragraph_breaks_win_over_sentence_ends_and_sentence_ends_over_spaces()
    {
        // Paragraphs of ~900 characters: every cut falls right after a blank line.
        var sb = new StringBuilder();
        var random = new Random(4);
        for (int p = 0; p < 12; p++)
        {
            sb.Append(Prose(random, 900).Replace("\n\n", " ", StringComparison.Ordinal)).Append("\n\n");
        }

        string text = sb.ToString();
        var spans = PassageSplitter.Split(text, 1000);
        Assert.All(spans.Skip(1), s => Assert.Equal("\n\n", text.Substring(s.Start - 2, 2)));

        // No line breaks at all: cuts fall after a sentence's end.
        string flat = text.Replace("\n\n", " ", StringComparison.Ordinal);
        Assert.All(PassageSplitter.Split(flat, 1000).Skip(1), s => Assert.Contains(flat[s.Start - 2], ".!?;:"));
    }

    [Fact]
    public void A_blob_without_boundaries_is_cut_at_the_target_and_never_inside_a_surrogate_pair()
    {
        string blob = string.Concat(Enumerable.Repeat("x😀", 5000));
        var spans = PassageSplitter.Split(blob, 999);
        Assert.All(spans, s => Assert.False(char.IsLowSurrogate(blob[s.Start]), $"a passage starts inside a surrogate pair at {s.Start}"));
        Assert.Equal(blob.Length, spans.Sum(s => s.Length));
    }

    [Fact]
    public void A_tiny_tail_joins_the_passage_before_it()
    {
        string text = Prose(new Random(8), 3000);
        var spans = PassageSplitter.Split(text, 1000);
        Assert.True(spans[^1].Length >= 250, $"the last passage is {spans[^1].Length} characters");
    }

    [Fact]
    public void A_tiny_tail_after_a_cut_at_the_far_end_stays_its_own_passage_so_none_passes_twice_the_target()
    {
        // CJK text has no spaces or sentence ends the splitter knows: the one line break, at 1,999, is the only boundary,
        // so the cut lands at twice the target; merging the 99-character tail would make a passage of 2,099.
        string text = new string('語', 1999) + "\n" + new string('語', 99);
        var spans = PassageSplitter.Split(text, 1000);
        Assert.Equal([new TextSpan(0, 2000), new TextSpan(2000, 99)], spans);

        // The importer's split policy sizes parts on that bound: every part now fits its byte limit (6,298 bytes before).
        var (drafts, oversized) = AgentMem.MemoryCore.Import.ConversationImporter.FitToLimit(
            [new AgentMem.MemoryCore.Model.MemoryDraft(text)], 6000, AgentMem.MemoryCore.Import.OversizePolicy.Split);
        Assert.All(drafts, d => Assert.True(System.Text.Encoding.UTF8.GetByteCount(d.Text) <= 6000, $"{System.Text.Encoding.UTF8.GetByteCount(d.Text)} bytes"));
        Assert.Equal(text, string.Concat(drafts.Select(d => d.Text)));
        Assert.Equal(2, Assert.Single(oversized).Parts);
    }

    [Fact]
    public void A_span_that_no_longer_fits_its_text_gives_nothing()
    {
        Assert.Null(new TextSpan(5, 10).Of("short"));
        Assert.Equal("ort", new TextSpan(2, 3).Of("short"));
    }

    private static string Prose(Random random, int chars)
    {
        string[] words = ["the", "cluster", "billing", "service", "moved", "region", "latency", "deploy", "cache", "queue", "owner", "release", "rollout", "config", "timeout"];
        var sb = new StringBuilder(chars + 100);
        while (sb.Length < chars)
        {
            int n = 6 + random.Next(14);
            for (int w = 0; w < n; w++)
            {
                sb.Append(w == 0 ? char.ToUpperInvariant(words[random.Next(words.Length)][0]) + words[random.Next(words.Length)][1..] : words[random.Next(words.Length)]).Append(w + 1 < n ? " " : ". ");
            }

            if (random.Next(6) == 0)
            {
                sb.Append("\n\n");
            }
        }

        return sb.ToString();
    }
}
