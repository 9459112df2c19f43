using System.Buffers.Binary;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.Retrieval.Lexical;
using AgentMem.Retrieval.State;

namespace AgentMem.Retrieval.Tests.State;

public sealed class CubeIndexTests
{
    private static readonly string[] Words = ["tea", "coffee", "hiking", "piano", "garden", "chess", "sailing", "pottery", "dog", "museum"];

    [Fact]
    public void Window_and_session_scores_equal_bm25_over_the_materialised_documents_through_random_writes()
    {
        const int Radius = 2;
        var random = new Random(11);
        using var index = new CubeIndex(Radius);
        var live = new Dictionary<MemoryId, MemoryItem>();
        var ids = new List<MemoryId>();
        for (int step = 0; step < 600; step++)
        {
            if (ids.Count > 20 && random.NextDouble() < 0.3)
            {
                var id = ids[random.Next(ids.Count)];
                if (random.Next(2) == 0)
                {
                    index.Remove(id);
                    live.Remove(id);
                    ids.Remove(id);
                }
                else
                {
                    // An edit: new text, maybe a tombstone (which leaves its session).
                    var item = live[id] with { Text = Sentence(random), State = random.Next(4) == 0 ? LifecycleState.Deleted : LifecycleState.Active, Version = live[id].Version + 1 };
                    live[id] = item;
                    index.Upsert(item, IndexedText.Describe(item), default, hasVector: false);
                }
            }
            else
            {
                // A rare word too, so both ways of gathering window frequencies run (scatter for rare, slide for common terms).
                var item = Item(Sentence(random) + (random.Next(25) == 0 ? " quokka" : string.Empty), random.Next(5) == 0 ? null : $"s{random.Next(6)}");
                live[item.Id] = item;
                ids.Add(item.Id);
                index.Upsert(item, IndexedText.Describe(item), default, hasVector: false);
            }

            if (step % 50 == 49)
            {
                AssertMatchesMaterialised(index, live, [Words[random.Next(Words.Length)], Words[random.Next(Words.Length)], "quokka"], Radius);
                AssertMatchesMaterialised(index, live, ["quokka"], Radius);
            }
        }
    }

    [Fact]
    public void A_snapshot_with_any_one_byte_zeroed_is_refused_or_restored_never_thrown()
    {
        // A zeroed string reference reads as null: a tag, link type or scope tenant that must not be null has to make
        // TryRead refuse the file (the cube is then built from the store), not throw out of every later search.
        using var folder = new TempFolder("snap");
        using (var index = new CubeIndex(2))
        {
            var item = Item("tea in the garden", "s1") with
            {
                Tags = ["x"],
                Links = [new MemoryLink(MemoryId.NewId(), "related", 0.5, "because")],
            };
            index.Upsert(item, IndexedText.Describe(item), default, hasVector: false);
            CubeIndexFile.Write(folder.Path, index, "e", 2);
        }

        string path = Path.Combine(folder.Path, CubeIndexFile.FileName);
        byte[] original = File.ReadAllBytes(path);
        for (int i = 0; i < original.Length; i++)
        {
            if (original[i] == 0)
            {
                continue;
            }

            byte[] corrupt = (byte[])original.Clone();
            corrupt[i] = 0;
            File.WriteAllBytes(path, corrupt);
            using var fresh = new CubeIndex(2);
            var thrown = Record.Exception(() => CubeIndexFile.TryRead(folder.Path, fresh, "e", 2));
            Assert.True(thrown is null, $"byte {i}: {thrown}");
        }
    }

    [Theory]
    [InlineData(7, "मेरी किताब मेज़ पर है")]
    [InlineData(8, "Η ΟΔΟΣ ΠΑΤΗΣΙΩΝ ΕΙΝΑΙ ΚΛΕΙΣΤΗ")]
    public void A_snapshot_of_an_earlier_analysis_is_refused_so_its_terms_are_rebuilt(int format, string text)
    {
        // Format 7 was written by the analysis that ended a word at every vowel sign ("किताब" stored as क, त, ब), format 8
        // by the one that kept a final sigma apart ("ΟΔΟΣ" stored as οδοσ, "οδος" as οδος): their terms must not be
        // restored under an analysis that would give the same text other terms.
        using var folder = new TempFolder("snap");
        using (var index = new CubeIndex(2))
        {
            var item = Item(text, "s1");
            index.Upsert(item, IndexedText.Describe(item), default, hasVector: false);
            CubeIndexFile.Write(folder.Path, index, "e", 2);
        }

        string path = Path.Combine(folder.Path, CubeIndexFile.FileName);
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal(CubeIndexFile.Format, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4)));
        using (var current = new CubeIndex(2))
        {
            Assert.NotNull(CubeIndexFile.TryRead(folder.Path, current, "e", 2));
        }

        // The same file as that format wrote it (only the format number differs; the checksum is made to fit).
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), format);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), System.IO.Hashing.Crc32.HashToUInt32(bytes.AsSpan(0, bytes.Length - 4)));
        File.WriteAllBytes(path, bytes);
        using var previous = new CubeIndex(2);
        Assert.Null(CubeIndexFile.TryRead(folder.Path, previous, "e", 2));
    }

    private static void AssertMatchesMaterialised(CubeIndex index, Dictionary<MemoryId, MemoryItem> live, List<string> query, int radius)
    {
        var ordered = live.Values.OrderBy(m => m.Id).ToList();
        var own = ordered.ToDictionary(m => m.Id, m => TextAnalyzer.Terms(IndexedText.Describe(m)));
        var sessions = ordered.Where(m => m.State != LifecycleState.Deleted && m.Scope.Session is not null).GroupBy(m => m.Scope.Session!).ToDictionary(g => g.Key, g => g.ToList());
        var windows = new List<IReadOnlyList<string>>();
        foreach (var m in ordered)
        {
            if (m.State == LifecycleState.Deleted || m.Scope.Session is null)
            {
                windows.Add(own[m.Id]);
                continue;
            }

            var members = sessions[m.Scope.Session];
            int p = members.IndexOf(m);
            windows.Add(members.Skip(Math.Max(0, p - radius)).Take(Math.Min(members.Count, p + radius + 1) - Math.Max(0, p - radius)).SelectMany(x => own[x.Id]).ToList());
        }

        var terms = query.Select(TextAnalyzer.Stem).ToList();
        var expected = new float[Math.Max(1, ordered.Count)];
        float expectedMax = new Bm25Index(windows).Score(terms, expected);
        var actual = new float[index.Capacity];
        Assert.Equal(expectedMax, index.ScoreWindows(terms, actual), 1e-4f);
        for (int i = 0; i < ordered.Count; i++)
        {
            Assert.True(index.TryGetSlot(ordered[i].Id, out int slot));
            Assert.Equal(expected[i], actual[slot], 1e-4f);
        }

        var sessionNames = sessions.Keys.ToList();
        var sessionExpected = new float[Math.Max(1, sessionNames.Count)];
        float sessionMax = new Bm25Index(sessionNames.Select(n => (IReadOnlyList<string>)sessions[n].SelectMany(x => own[x.Id]).ToList()).ToList()).Score(terms, sessionExpected);
        var sessionActual = new float[Math.Max(1, index.SessionCapacity)];
        Assert.Equal(sessionMax, index.ScoreSessions(terms, sessionActual), 1e-4f);
        for (int s = 0; s < sessionNames.Count; s++)
        {
            Assert.True(index.TryGetSlot(sessions[sessionNames[s]][0].Id, out int slot));
            Assert.Equal(sessionExpected[s], sessionActual[index.SessionOf(slot)], 1e-4f);
        }
    }

    private static MemoryItem Item(string text, string? session) => new()
    {
        Id = MemoryId.NewId(),
        CubeId = "c",
        Scope = new Scope("acme", "alice", session: session),
        Text = text,
        ContentHash = text,
        Provenance = new Provenance(SourceKind.Conversation, null, "Ann", DateTimeOffset.UnixEpoch),
        UpdatedAt = DateTimeOffset.UnixEpoch,
    };

    private static string Sentence(Random random) =>
        string.Join(' ', Enumerable.Range(0, 2 + random.Next(6)).Select(_ => Words[random.Next(Words.Length)]));
}
