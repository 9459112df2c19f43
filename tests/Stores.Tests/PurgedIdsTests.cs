using AgentMem.MemoryCore.Identity;
using AgentMem.Stores.Common;

namespace AgentMem.Stores.Tests;

/// <summary>The one-pass id look-up a cube delete scrubs with finds exactly what a substring search for each id finds.</summary>
public sealed class PurgedIdsTests
{
    [Fact]
    public void A_text_names_an_id_wherever_a_substring_search_would_find_it()
    {
        var ids = Enumerable.Range(0, 50).Select(_ => MemoryId.NewId()).ToList();
        var purged = new PurgedIds(ids.Where((_, i) => i % 2 == 0));
        var kept = ids.Where((_, i) => i % 2 == 1).ToList();
        string one = ids[10].ToString();

        Assert.True(purged.NamedIn($"evolved: linked from {one} (related; shares tahoe)"));
        Assert.True(purged.NamedIn(one));
        Assert.True(purged.NamedIn($"{{\"target\":\"{one}\"}}"));
        Assert.True(purged.NamedIn($"XYZ{one}7"), "an id inside a longer run of id characters");
        Assert.True(purged.NamedIn($"{kept[0]}{one}"), "an id right after another");
        Assert.False(purged.NamedIn($"linked from {kept[3]} (related)"));
        Assert.False(purged.NamedIn(one.ToLowerInvariant()));
        Assert.False(purged.NamedIn(one[..25]));
        Assert.False(purged.NamedIn(string.Empty));
        Assert.False(purged.NamedIn(null));

        // Against the reference: a substring search for every purged id, on texts built from pieces of ids and noise.
        var random = new Random(20261205);
        for (int n = 0; n < 2000; n++)
        {
            string text = string.Concat(Enumerable.Range(0, random.Next(1, 5)).Select(string (_) => random.Next(4) switch
            {
                0 => ids[random.Next(ids.Count)].ToString(),
                1 => ids[random.Next(ids.Count)].ToString()[random.Next(1, 25)..],
                2 => " (shares ",
                _ => "Z9",
            }));
            bool expected = purged.Ids.Any(id => text.Contains(id.ToString(), StringComparison.Ordinal));
            Assert.Equal(expected, purged.NamedIn(text));
        }
    }

    [Fact]
    public void Ids_collapse_duplicates_and_answer_by_value_and_by_stored_text()
    {
        var id = MemoryId.NewId();
        var purged = new PurgedIds([id, id]);

        Assert.Equal(1, purged.Count);
        Assert.True(purged.Contains(id));
        Assert.True(purged.Contains(id.ToString()));
        Assert.False(purged.Contains((string?)null));
        Assert.False(purged.Contains(MemoryId.NewId()));
    }
}
