using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Links;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Text;

namespace AgentMem.MemoryCore.Tests.Links;

public sealed class NoteLinkerTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 5, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] Words = [.. Enumerable.Range(0, 40).Select(i => "topic" + (char)('a' + (i % 26)) + (char)('a' + (i / 26)))];
    private static readonly string[] Actors = ["alice", "bob", "carol"];

    [Fact]
    public void Suggestions_after_many_rewrites_match_a_linker_built_from_the_current_notes()
    {
        var random = new Random(20261205);
        var ids = Enumerable.Range(0, 120).Select(_ => MemoryId.NewId(At)).ToArray();
        var linker = new NoteLinker();
        var current = new List<MemoryItem>(); // in the order each was last indexed
        int compared = 0;
        for (int step = 0; step < 12_000; step++)
        {
            int roll = random.Next(100);
            if (roll < 70)
            {
                var item = RandomNote(random, ids[random.Next(ids.Length)]);
                linker.Index(item);
                current.RemoveAll(i => i.Id == item.Id);
                current.Add(item);
            }
            else if (roll < 90)
            {
                var id = ids[random.Next(ids.Length)];
                linker.Remove(id);
                current.RemoveAll(i => i.Id == id);
            }
            else if (step % 7 == 0)
            {
                var fresh = new NoteLinker();
                foreach (var item in current)
                {
                    fresh.Index(item);
                }

                var query = RandomNote(random, MemoryId.NewId(At));
                var expected = fresh.Suggest(query.Text, query.Provenance.Actor, query.Keywords, query.Tags, 8, 0.5);
                var actual = linker.Suggest(query.Text, query.Provenance.Actor, query.Keywords, query.Tags, 8, 0.5);
                Assert.Equal(expected, actual);
                compared += expected.Count;
            }

            Assert.Equal(current.Count, linker.Count);
            Assert.True(linker.EntryCount <= 2 * linker.Count + NoteLinker.CompactionMinimum + 1,
                $"step {step}: {linker.EntryCount} entries held for {linker.Count} notes");
        }

        Assert.True(compared > 500, $"only {compared} links compared");
    }

    [Fact]
    public void Suggestions_are_the_best_notes_of_an_exhaustive_count_of_what_they_share()
    {
        // The suggestion reads only the postings that can change its answer; on cubes of this size the answer must be
        // what scoring every indexed note gives: the summed weights of the shared features, best first, ties in indexing order.
        var random = new Random(20261206);
        int compared = 0;
        for (int round = 0; round < 200; round++)
        {
            var linker = new NoteLinker();
            var current = Enumerable.Range(0, random.Next(1, 150)).Select(_ => RandomNote(random, MemoryId.NewId(At))).ToList();
            foreach (var item in current)
            {
                linker.Index(item);
            }

            var query = RandomNote(random, MemoryId.NewId(At));
            double minScore = random.Next(4) switch { 0 => 0.5, 1 => 2.0, 2 => 4.0, _ => 6.0 };
            int max = random.Next(1, 6);
            var expected = Exhaustive(current, query, max, minScore);
            Assert.Equal(expected, linker.Suggest(query.Text, query.Provenance.Actor, query.Keywords, query.Tags, max, minScore).Select(l => l.Target));
            compared += expected.Count;
        }

        Assert.True(compared > 200, $"only {compared} links compared");
    }

    [Fact]
    public void A_suggestion_reads_the_postings_of_the_rarer_features_only_however_large_the_cube()
    {
        // Every note says "user", "mentioned", "today" and "home" and is tagged fact: each suggestion walked all their
        // postings, N of them each, so linking a cube note by note cost N². In a large cube such a feature still counts
        // towards a note's score but does not make a note a candidate: only a note sharing a rarer feature is one.
        const int Queries = 500;
        foreach (int size in new[] { 2_000, 20_000 })
        {
            var (linker, ids) = Everyday(size);
            long before = linker.PostingsRead;
            for (int q = 0; q < Queries; q++)
            {
                int k = q * (size / Queries);
                var links = linker.Suggest("The user mentioned it today at home.", "user", ["user", "mentioned", "today", "home", Word(k)], ["fact"], 3, 4.0);
                Assert.Equal([ids[k]], links.Select(l => l.Target));
            }

            long read = linker.PostingsRead - before;
            Assert.True(read <= 2 * Queries, $"{size:N0} notes: {read:N0} postings read for {Queries} suggestions");

            // Nothing but everyday words in common is no link in a cube this large.
            Assert.Empty(linker.Suggest("The user mentioned it today at home.", "user", ["user", "mentioned", "today", "home", "unheard"], ["fact"], 3, 4.0));
        }
    }

    [Fact]
    public void In_a_small_cube_everyday_words_alone_still_link()
    {
        var (linker, ids) = Everyday(500);
        var links = linker.Suggest("The user mentioned it today at home.", "user", ["user", "mentioned", "today", "home", "unheard"], ["fact"], 3, 4.0);
        Assert.Equal(ids[..3], links.Select(l => l.Target));
    }

    [Fact]
    public void Rewriting_one_note_forever_keeps_the_index_small()
    {
        var linker = new NoteLinker();
        var id = MemoryId.NewId(At);
        var other = Note(MemoryId.NewId(At), "alice", ["sailing trip", "harbor"], ["travel"], "We went sailing.");
        linker.Index(other);
        for (int i = 0; i < 50_000; i++)
        {
            linker.Index(Note(id, "bob", ["sailing", "word" + i], [], "Sailing again."));
        }

        Assert.Equal(2, linker.Count);
        Assert.True(linker.EntryCount <= NoteLinker.CompactionMinimum + 2, $"{linker.EntryCount} entries held for 2 notes");
        var links = linker.Suggest("Sailing club", "carol", ["sailing"], [], 5, 0.1);
        Assert.Equal([other.Id, id], links.Select(l => l.Target).ToArray());
    }

    [Fact]
    public void A_cannot_on_one_side_only_is_a_contradiction()
    {
        var linker = new NoteLinker();
        var can = Note(MemoryId.NewId(At), "alice", ["meeting", "friday"], [], "I can attend the meeting on Friday.");
        linker.Index(can);
        var link = Assert.Single(linker.Suggest("I cannot attend the meeting on Friday.", "alice", ["meeting", "friday"], [], 5, 0.1));
        Assert.Equal((can.Id, LinkTypes.Contradicts), (link.Target, link.Type));
    }

    [Theory]
    [InlineData("Bob could join the trip to the Kyoto temples.", "Bob couldn't join the trip to the Kyoto temples.", LinkTypes.Contradicts)] // any n't, not only the listed ones
    [InlineData("Bob has seen the Kyoto temples.", "Bob hasn\u2019t seen the Kyoto temples.", LinkTypes.Contradicts)]
    [InlineData("Bob goes to the Kyoto temples.", "Bob no longer goes to the Kyoto temples.", LinkTypes.Contradicts)]
    [InlineData("Bob visits the Kyoto temples.", "Bob stopped visiting the Kyoto temples.", LinkTypes.Contradicts)] // cues beyond the fact rules' negation words
    [InlineData("Bob went to the Kyoto temples.", "No doubt Bob went to the Kyoto temples.", LinkTypes.Elaborates)] // "no doubt" affirms
    [InlineData("Bob went to the Kyoto temples.", "No, Bob went to the Kyoto temples.", LinkTypes.Elaborates)] // an answering "No," negates nothing
    public void A_link_is_a_contradiction_when_one_note_only_negates_the_other(string indexed, string text, string type)
    {
        var linker = new NoteLinker();
        var first = Note(MemoryId.NewId(At), "bob", ["kyoto", "temples"], [], indexed);
        linker.Index(first);
        var link = Assert.Single(linker.Suggest(text, "bob", ["kyoto", "temples"], [], 5, 0.1));
        Assert.Equal((first.Id, type), (link.Target, link.Type));
    }

    /// <summary>The targets a suggestion gives when every indexed note (<paramref name="current"/>, in indexing order) is scored.</summary>
    private static List<MemoryId> Exhaustive(List<MemoryItem> current, MemoryItem query, int max, double minScore)
    {
        static List<string> FeaturesOf(MemoryItem note) =>
            [.. note.Keywords.SelectMany(k => k.Split(' ')).Select(PorterStemmer.Stem).Concat(note.Tags.Select(t => "#" + t)).Distinct()];
        var live = current.Where(i => i.State == LifecycleState.Active).Select(i => (i.Id, Features: FeaturesOf(i).ToHashSet())).ToList();
        var weights = FeaturesOf(query).Select(f => (f, Df: live.Count(n => n.Features.Contains(f)))).Where(w => w.Df > 0)
            .Select(w => (w.f, Idf: (Math.Log((current.Count + 1.0) / w.Df) + 1) * (w.f.StartsWith('#') ? 0.3 : 1.0))).ToList();
        return [.. live.Select((n, order) => (n.Id, order, Score: weights.Where(w => n.Features.Contains(w.f)).Sum(w => w.Idf)))
            .Where(c => c.Score >= minScore).OrderByDescending(c => c.Score).ThenBy(c => c.order).Take(max).Select(c => c.Id)];
    }

    /// <summary>A linker of <paramref name="size"/> notes that share four everyday words and a tag, each with a word of its own.</summary>
    private static (NoteLinker Linker, MemoryId[] Ids) Everyday(int size)
    {
        var linker = new NoteLinker();
        var ids = new MemoryId[size];
        for (int i = 0; i < size; i++)
        {
            ids[i] = MemoryId.NewId(At);
            linker.Index(Note(ids[i], "user", ["user", "mentioned", "today", "home", Word(i)], ["fact"], "The user mentioned it today at home."));
        }

        return (linker, ids);
    }

    /// <summary>A made-up word of letters only, one per number ("zqaaabx"; no stemming rule takes a final x, so no two meet).</summary>
    private static string Word(int i) => "zq" + (char)('a' + (i / 17_576 % 26)) + (char)('a' + (i / 676 % 26)) + (char)('a' + (i / 26 % 26)) + (char)('a' + (i % 26)) + "x";

    private static MemoryItem RandomNote(Random random, MemoryId id)
    {
        var keywords = Enumerable.Range(0, random.Next(1, 5)).Select(_ => Words[(int)(Words.Length * Math.Pow(random.NextDouble(), 2))]).ToList();
        if (random.Next(4) == 0)
        {
            keywords.Add(keywords[0] + " " + Words[random.Next(Words.Length)]);
        }

        var tags = Enumerable.Range(0, random.Next(3)).Select(_ => "tag" + random.Next(6)).ToList();
        string text = random.Next(5) == 0 ? "I don't like it." : "I like it.";
        var note = Note(id, Actors[random.Next(Actors.Length)], keywords, tags, text);
        return random.Next(8) == 0 ? note with { State = LifecycleState.Archived } : note;
    }

    private static MemoryItem Note(MemoryId id, string actor, IReadOnlyList<string> keywords, IReadOnlyList<string> tags, string text) => new()
    {
        Id = id,
        CubeId = "cube",
        Scope = new Scope("acme", actor),
        Text = text,
        ContentHash = "h",
        Provenance = new Provenance(SourceKind.Conversation, null, actor, At),
        Keywords = keywords,
        Tags = tags,
        UpdatedAt = At,
    };
}
