using AgentMem.MemoryCore.Consolidation;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Maintenance;
using AgentMem.MemoryCore.Model;

namespace AgentMem.MemoryCore.Tests.Consolidation;

/// <summary>
/// The consolidation job's candidate search (prefix filtering over rarest-first terms) finds exactly the pairs a
/// comparison of every pair finds, with the same-keywords threshold, on term sets built to sit around both thresholds.
/// </summary>
public sealed class ConsolidationPairsTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 5, 9, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0.8, 0.5, 1)]
    [InlineData(0.8, 0.5, 2)]
    [InlineData(0.6, 0.4, 3)]
    [InlineData(1.0, 0.7, 4)]
    public void Prefix_filtering_finds_every_pair_a_comparison_of_all_pairs_finds(double similarity, double withSameKeywords, int seed)
    {
        var options = new ConsolidationOptions { Similarity = similarity, SimilarityWithSameKeywords = withSameKeywords };
        var random = new Random(seed);
        // A Zipf-like vocabulary, so common terms are shared by many memories; near-copies of earlier sets, so pairs sit
        // on both sides of each threshold; keywords from a small pool, so some pairs share theirs.
        string[] vocabulary = [.. Enumerable.Range(0, 400).Select(i => $"t{i}")];
        string[][] keywordSets = [["alpha", "beta"], ["beta", "gamma"], ["delta"], []];
        var items = new List<MemoryItem>();
        var terms = new List<HashSet<string>>();
        for (int n = 0; n < 600; n++)
        {
            HashSet<string> set;
            if (n > 0 && random.Next(3) == 0)
            {
                set = [.. terms[random.Next(n)].Where(_ => random.Next(6) != 0)];
                for (int extra = random.Next(3); extra > 0; extra--)
                {
                    set.Add(vocabulary[(int)(Math.Pow(random.NextDouble(), 3) * vocabulary.Length)]);
                }
            }
            else
            {
                set = [.. Enumerable.Range(0, random.Next(3, 12)).Select(_ => vocabulary[(int)(Math.Pow(random.NextDouble(), 3) * vocabulary.Length)])];
            }

            if (set.Count == 0)
            {
                set.Add(vocabulary[n % vocabulary.Length]);
            }

            terms.Add(set);
            items.Add(Item(string.Join(' ', set), keywordSets[random.Next(keywordSets.Length)]));
        }

        var found = new ConsolidationJob(options).FindPairs(items, terms, new MaintenanceCounters(), CancellationToken.None);

        var expected = new List<(int, int, double)>();
        for (int i = 0; i < items.Count; i++)
        {
            for (int j = i + 1; j < items.Count; j++)
            {
                double jaccard = Facts.FactText.Jaccard(terms[i], terms[j]);
                bool sameKeywords = items[i].Keywords.Count >= 2 && items[i].Keywords.ToHashSet().SetEquals(items[j].Keywords) && items[i].Keywords.Count == items[j].Keywords.Count;
                if (jaccard >= (sameKeywords ? Math.Min(similarity, withSameKeywords) : similarity))
                {
                    expected.Add((i, j, jaccard));
                }
            }
        }

        Assert.True(expected.Count > 20, $"the data should hold pairs to find; it holds {expected.Count}");
        Assert.Equal(expected.OrderByDescending(p => p.Item3).ThenBy(p => p.Item1).ThenBy(p => p.Item2), found.Select(p => (p.I, p.J, p.Similarity)));
    }

    [Theory]
    [InlineData(5, 0.8, 2)]
    [InlineData(4, 0.5, 3)]
    [InlineData(1, 0.8, 1)]
    [InlineData(10, 1.0, 1)]
    [InlineData(3, 0.34, 2)]
    public void The_prefix_is_the_set_size_less_the_overlap_the_threshold_needs_plus_one(int size, double threshold, int expected) =>
        Assert.Equal(expected, ConsolidationJob.PrefixLength(size, threshold));

    private static MemoryItem Item(string text, string[] keywords) => new()
    {
        Id = MemoryId.NewId(At),
        CubeId = "cube",
        Scope = new Scope("acme", "alice"),
        Text = text,
        Keywords = keywords,
        ContentHash = text,
        Provenance = new Provenance(SourceKind.Conversation, null, "alice", At),
        ValidFrom = At,
        UpdatedAt = At,
    };
}
