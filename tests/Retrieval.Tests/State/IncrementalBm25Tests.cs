using AgentMem.Retrieval.Lexical;

namespace AgentMem.Retrieval.Tests.State;

public sealed class IncrementalBm25Tests
{
    private static readonly string[] Vocabulary = ["tea", "coffee", "hike", "piano", "garden", "chess", "sail", "potteri", "dog", "cat", "run", "book"];

    [Fact]
    public void Scores_equal_a_fresh_Bm25Index_of_the_live_documents_after_random_sets_and_removals()
    {
        var random = new Random(20251203);
        var index = new IncrementalBm25();
        var live = new Dictionary<int, List<string>>();
        for (int step = 0; step < 3000; step++)
        {
            int doc = random.Next(200);
            if (random.NextDouble() < 0.25)
            {
                Assert.Equal(live.Remove(doc), index.Remove(doc));
            }
            else
            {
                var terms = Enumerable.Range(0, 1 + random.Next(12)).Select(_ => Vocabulary[random.Next(Vocabulary.Length)]).ToList();
                live[doc] = terms;
                index.Set(doc, terms);
            }

            if (step % 100 == 99)
            {
                AssertSameScores(index, live, [Vocabulary[random.Next(Vocabulary.Length)], Vocabulary[random.Next(Vocabulary.Length)], "absent"]);
            }
        }

        Assert.Equal(live.Count, index.DocumentCount);
    }

    [Fact]
    public void Setting_from_term_counts_equals_setting_from_the_term_list()
    {
        var a = new IncrementalBm25();
        var b = new IncrementalBm25();
        a.Set(0, ["tea", "tea", "dog"]);
        b.Set(0, new Dictionary<string, int> { ["tea"] = 2, ["dog"] = 1 });
        a.Set(1, ["cat"]);
        b.Set(1, new Dictionary<string, int> { ["cat"] = 1 });
        var sa = new float[2];
        var sb = new float[2];
        Assert.Equal(a.Score(["tea", "cat"], sa), b.Score(["tea", "cat"], sb));
        Assert.Equal(sa, sb);
    }

    [Fact]
    public void A_removed_document_scores_nothing_and_its_terms_leave_the_document_frequency()
    {
        var index = new IncrementalBm25();
        index.Set(0, ["zebra", "tea"]);
        index.Set(1, ["tea"]);
        Assert.True(index.Remove(0));
        Assert.False(index.Remove(0));
        Assert.Equal(0, index.DocumentFrequency("zebra"));
        var scores = new float[2];
        Assert.Equal(0, index.Score(["zebra"], scores));
        Assert.All(scores, s => Assert.Equal(0, s));
    }

    private static void AssertSameScores(IncrementalBm25 index, Dictionary<int, List<string>> live, IReadOnlyList<string> query)
    {
        var docs = live.Keys.Order().ToList();
        var reference = new Bm25Index(docs.Select(d => (IReadOnlyList<string>)live[d]).ToList());
        var expected = new float[Math.Max(1, docs.Count)];
        float expectedMax = reference.Score(query, expected);
        var actual = new float[index.Capacity];
        float actualMax = index.Score(query, actual);
        Assert.Equal(expectedMax, actualMax, 1e-4f);
        for (int i = 0; i < docs.Count; i++)
        {
            Assert.Equal(expected[i], actual[docs[i]], 1e-4f);
        }
    }
}
