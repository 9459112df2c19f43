using System.Globalization;
using AgentMem.Retrieval.Spann;
using AgentMem.Retrieval.Tests.Vectors;
using AgentMem.Retrieval.Vectors;

namespace AgentMem.Retrieval.Tests.Spann;

public sealed class SpannIndexTests : IDisposable
{
    private const int Dim = 24;
    private readonly string folder = Path.Combine(Path.GetTempPath(), "agentmem-spann-tests", Guid.NewGuid().ToString("N"));

    public SpannIndexTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    internal static SpannOptions Small => new()
    {
        HeadFraction = 0.1,
        PostingCap = 64,
        SplitThreshold = 48,
        MergeThreshold = 3,
        MaxProbes = 32,
        VerifyPostingsOnOpen = true,
        BuildThreads = 2,
        MinCodeTrainingVectors = 256, // so that the small builds below keep in-memory codes
        HeadIndex = new HnswOptions { M = 8, EfConstruction = 48, EfSearch = 64, Seed = 5 },
    };

    internal static VectorRows<float> Rows(float[][] data)
    {
        var flat = new float[data.Length * data[0].Length];
        for (int i = 0; i < data.Length; i++)
        {
            data[i].CopyTo(flat, i * data[0].Length);
        }

        return new VectorRows<float>(data[0].Length, data.Length, flat);
    }

    /// <summary>
    /// A copy of <paramref name="dir"/> as a killed writer leaves it on disk, for a new instance to open: every file but
    /// the lock files, whose locks die with the process (the writer here lives on and keeps its folder locked).
    /// </summary>
    internal static string Crashed(string dir)
    {
        string copy = $"{dir}-crashed-{Guid.NewGuid():N}";
        Directory.CreateDirectory(copy);
        foreach (string file in Directory.GetFiles(dir).Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        return copy;
    }

    [Theory]
    [InlineData(VectorMetric.L2, null, 8192)]
    [InlineData(VectorMetric.Cosine, null, 8192)]
    [InlineData(VectorMetric.L2, 0, 8192)]
    [InlineData(VectorMetric.L2, null, 0)] // heads searched through the HNSW
    public void Build_then_search_matches_brute_force(VectorMetric metric, int? codeBytes, int exactHeadLimit)
    {
        var (data, queries) = TestVectors.DataAndQueries(3000, 50, Dim, seed: 7);
        using var index = SpannIndex.Build(Path.Combine(folder, "a"), metric, Rows(data), options: Small with { CodeBytes = codeBytes, ExactHeadLimit = exactHeadLimit });
        Assert.Equal(codeBytes ?? Dim / 8, index.CodeBytes);
        using var exact = new ExactVectorIndex(Dim, metric);
        for (int i = 0; i < data.Length; i++)
        {
            exact.Add(i, data[i]);
        }

        Assert.Equal(3000, index.Count);
        Assert.InRange(index.PostingCount, 200, 400);
        Assert.True(TestVectors.MeanRecall(index, exact, queries, 10) >= 0.9);

        // Distances are the exact ones, in the index's convention.
        var hit = index.Search(queries[0], 1)[0];
        Assert.Equal(VectorDistance.Compute(metric, queries[0], data[hit.Key]), hit.Distance, 3);
    }

    [Theory]
    [InlineData(null, 8192)]
    [InlineData(0, 0)]
    public void Recall_holds_after_20_percent_inserts_and_10_percent_deletes(int? codeBytes, int exactHeadLimit)
    {
        var (all, queries) = TestVectors.DataAndQueries(3000, 50, Dim, seed: 8);
        var initial = all[..2500];
        using var index = SpannIndex.Build(Path.Combine(folder, "b"), VectorMetric.L2, Rows(initial), options: Small with { SplitThreshold = 16, CodeBytes = codeBytes, ExactHeadLimit = exactHeadLimit });
        using var exact = new ExactVectorIndex(Dim, VectorMetric.L2);
        for (int i = 0; i < initial.Length; i++)
        {
            exact.Add(i, initial[i]);
        }

        double before = TestVectors.MeanRecall(index, exact, queries, 10);
        for (int i = 2500; i < 3000; i++)
        {
            index.Add(i, all[i]);
            exact.Add(i, all[i]);
        }

        var random = new Random(3);
        var deleted = new HashSet<long>();
        while (deleted.Count < 300)
        {
            long key = random.Next(3000);
            if (deleted.Add(key))
            {
                Assert.True(index.Remove(key));
                exact.Remove(key);
            }
        }

        Assert.False(index.Remove(deleted.First()));
        Assert.Equal(2700, index.Count);
        double after = TestVectors.MeanRecall(index, exact, queries, 10);
        Assert.True(before >= 0.9, $"recall before updates {before}");
        Assert.True(after >= 0.88, $"recall after updates {after}");
        foreach (var q in queries)
        {
            Assert.DoesNotContain(index.Search(q, 20), m => deleted.Contains(m.Key));
        }

        Assert.True(index.Maintenance.Splits > 0, "the inserts should have split some postings");
    }

    [Fact]
    public void Splits_and_merges_keep_every_live_vector_findable()
    {
        var (data, _) = TestVectors.DataAndQueries(1500, 0, Dim, seed: 9);
        using var index = SpannIndex.Build(Path.Combine(folder, "c"), VectorMetric.L2, Rows(data[..500]), options: Small with { SplitThreshold = 24, MergeThreshold = 6, ExactHeadLimit = 60 }); // splits grow the heads past the exact limit
        var live = new Dictionary<long, float[]>();
        for (int i = 0; i < 500; i++)
        {
            live[i] = data[i];
        }

        for (int i = 500; i < 1500; i++)
        {
            index.Add(i, data[i]);
            live[i] = data[i];
        }

        Assert.True(index.Maintenance.Splits > 10);
        for (int i = 0; i < 1500; i += 10)
        {
            for (int j = i; j < i + 8; j++)
            {
                Assert.True(index.Remove(j));
                live.Remove(j);
            }
        }

        int merged = index.MergeSmallPostings();
        Assert.True(merged > 0, "deleting 80% should leave tiny postings to merge");
        Assert.Equal(live.Count, index.Count);
        Assert.Equal(live.Keys.Order(), index.KeysInPostings().Order());
        foreach (var (key, v) in live)
        {
            var top = index.Search(v, 1, maxProbes: 64, epsilon: 10f);
            Assert.Equal(key, top[0].Key);
            Assert.Equal(0f, top[0].Distance, 4);
        }
    }

    [Fact]
    public void Reopening_after_an_abandoned_writer_keeps_acknowledged_updates()
    {
        var (data, _) = TestVectors.DataAndQueries(1200, 0, Dim, seed: 10);
        string dir = Path.Combine(folder, "d");
        var index = SpannIndex.Build(dir, VectorMetric.L2, Rows(data[..800]), options: Small);
        for (int i = 800; i < 1000; i++)
        {
            index.Add(i, data[i]);
        }

        index.Checkpoint();
        for (int i = 1000; i < 1200; i++)
        {
            index.Add(i, data[i]);
        }

        for (int i = 0; i < 100; i++)
        {
            index.Remove(i * 7);
        }

        index.Add(5, data[6]); // a replaced vector
        int expected = index.Count;

        // No Dispose, no checkpoint: like a killed process, only the flushed log survives.
        string crashed = Crashed(dir);
        index.Dispose();
        using var reopened = SpannIndex.Open(crashed, Small);
        Assert.Equal(expected, reopened.Count);
        for (int i = 0; i < 1200; i++)
        {
            var top = reopened.Search(data[i], 1, maxProbes: 64, epsilon: 10f);
            Assert.True(top.Count == 1, $"no result for {i}; {reopened.PostingCount} postings, {reopened.Count} live");
            if (i % 7 == 0 && i < 700)
            {
                Assert.NotEqual(i, top[0].Key);
            }
            else if (i != 5 && i != 6)
            {
                Assert.Equal(i, top[0].Key);
            }
        }

        Assert.Contains(reopened.Search(data[6], 2), m => m.Key == 5 && m.Distance == 0);
        Assert.Equal(Dim / 8, reopened.CodeBytes);
    }

    [Fact]
    public void Codes_are_checkpointed_and_reloaded_with_the_same_results()
    {
        var (data, queries) = TestVectors.DataAndQueries(1500, 20, Dim, seed: 14);
        string dir = Path.Combine(folder, "codes");
        var before = new List<IReadOnlyList<VectorMatch>>();
        using (var index = SpannIndex.Build(dir, VectorMetric.L2, Rows(data[..1000]), options: Small with { SplitThreshold = 16 }))
        {
            for (int i = 1000; i < 1500; i++)
            {
                index.Add(i, data[i]); // appends, moves and splits all update the in-memory codes
            }

            Assert.True(index.Maintenance.Splits > 0);
            index.Checkpoint();
            before.AddRange(queries.Select(q => index.Search(q, 10)));
        }

        Assert.Single(Directory.GetFiles(dir, "codes.*.pq")); // the previous checkpoint's codes are gone
        Assert.Single(Directory.GetFiles(dir, "spann.meta*")); // the checkpoint's temporary files were renamed, none left beside
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
        using var reopened = SpannIndex.Open(dir, Small);
        for (int i = 0; i < queries.Length; i++)
        {
            Assert.Equal(before[i].Select(m => m.Key), reopened.Search(queries[i], 10).Select(m => m.Key));
        }
    }

    [Fact]
    public void An_index_created_empty_gets_codes_at_the_first_checkpoint_with_enough_vectors()
    {
        var (data, queries) = TestVectors.DataAndQueries(1200, 30, Dim, seed: 16);
        string dir = Path.Combine(folder, "late-codes");
        using var exact = new ExactVectorIndex(Dim, VectorMetric.L2);
        var before = new List<IReadOnlyList<VectorMatch>>();
        using (var index = SpannIndex.Create(dir, Dim, VectorMetric.L2, Small))
        {
            for (int i = 0; i < 200; i++)
            {
                index.Add(i, data[i]);
            }

            index.Checkpoint();
            Assert.Equal(0, index.CodeBytes); // 200 live vectors: below MinCodeTrainingVectors (256)

            for (int i = 200; i < data.Length; i++)
            {
                index.Add(i, data[i]);
            }

            for (int i = 0; i < data.Length; i += 10)
            {
                Assert.True(index.Remove(i)); // stale entries stay in the postings; their codes must too
            }

            for (int i = 0; i < data.Length; i++)
            {
                if (i % 10 != 0)
                {
                    exact.Add(i, data[i]);
                }
            }

            double withoutCodes = Recall(index);
            index.Checkpoint();
            Assert.Equal(Dim / 8, index.CodeBytes);
            double withCodes = Recall(index);
            Assert.True(withCodes >= 0.9 && withCodes >= withoutCodes - 0.05, $"recall@10 {withCodes} with codes, {withoutCodes} without");

            for (int i = 0; i < 50; i++)
            {
                index.Add(5000 + i, data[i]); // later inserts are encoded as they come
                exact.Add(5000 + i, data[i]);
            }

            before.AddRange(queries.Select(q => index.Search(q, 10)));
        }

        using var reopened = SpannIndex.Open(dir, Small);
        Assert.Equal(Dim / 8, reopened.CodeBytes);
        for (int i = 0; i < queries.Length; i++)
        {
            Assert.Equal(before[i].Select(m => m.Key), reopened.Search(queries[i], 10).Select(m => m.Key));
        }

        double Recall(SpannIndex index) => queries.Average(q =>
        {
            var truth = exact.Search(q, 10).Select(m => m.Key).ToHashSet();
            return index.Search(q, 10).Count(m => truth.Contains(m.Key)) / 10.0;
        });
    }

    [Fact]
    public void A_deeper_rerank_never_lowers_recall()
    {
        var (data, queries) = TestVectors.DataAndQueries(3000, 50, Dim, seed: 15);
        using var index = SpannIndex.Build(Path.Combine(folder, "depth"), VectorMetric.L2, Rows(data), options: Small);
        using var exact = new ExactVectorIndex(Dim, VectorMetric.L2);
        for (int i = 0; i < data.Length; i++)
        {
            exact.Add(i, data[i]);
        }

        double Recall(int depth) => queries.Average(q =>
        {
            var truth = exact.Search(q, 10).Select(m => m.Key).ToHashSet();
            return index.Search(q, 10, 32, 10f, rerankDepth: depth).Count(m => truth.Contains(m.Key)) / 10.0;
        });

        double shallow = Recall(10);
        double deep = Recall(200);
        Assert.True(deep >= shallow, $"depth 200 gave {deep}, depth 10 {shallow}");
        Assert.True(deep >= 0.95, $"depth 200 gave {deep}");
        Assert.Throws<ArgumentOutOfRangeException>(() => index.Search(queries[0], 10, 32, 1f, rerankDepth: 0));
    }

    [Fact]
    public void A_torn_log_tail_is_ignored_and_dispose_checkpoints()
    {
        var (data, _) = TestVectors.DataAndQueries(600, 0, Dim, seed: 12);
        string dir = Path.Combine(folder, "e");
        var index = SpannIndex.Build(dir, VectorMetric.L2, Rows(data[..500]), options: Small);
        for (int i = 500; i < 600; i++)
        {
            index.Add(i, data[i]);
        }

        // A crash in the middle of writing the next record: half a record of junk at the end.
        string crashed = Crashed(dir);
        index.Dispose();
        dir = crashed;
        using (var log = new FileStream(Path.Combine(dir, "wal.log"), FileMode.Append))
        {
            log.Write(new byte[] { 200, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7 });
        }

        using (var reopened = SpannIndex.Open(dir, Small))
        {
            Assert.Equal(600, reopened.Count);
            reopened.Add(1000, data[0]);
        }

        using var again = SpannIndex.Open(dir, Small);
        Assert.Equal(601, again.Count);
        Assert.Equal(28, new FileInfo(Path.Combine(dir, "wal.log")).Length); // the clean close checkpointed and emptied the log
    }

    [Fact]
    public void A_long_log_is_replayed_once_then_checkpointed()
    {
        var (data, queries) = TestVectors.DataAndQueries(900, 10, Dim, seed: 21);
        string dir = Path.Combine(folder, "replay");
        var crashed = SpannIndex.Build(dir, VectorMetric.L2, Rows(data[..500]), options: Small);
        for (int i = 500; i < 900; i++)
        {
            crashed.Add(i, data[i]);
        }

        // Killed without a checkpoint: the next open replays 400 updates and checkpoints at once.
        var options = Small with { CheckpointAfterReplay = 100 };
        string first = Crashed(dir);
        crashed.Dispose();
        var reopened = SpannIndex.Open(first, options);
        Assert.Equal(900, reopened.Count);
        Assert.Equal(28, new FileInfo(Path.Combine(first, "wal.log")).Length);
        var want = queries.Select(q => reopened.Search(q, 5).Select(m => m.Key).ToArray()).ToList();

        // Killed again before any new update: nothing is left to replay, and it answers the same.
        string second = Crashed(first);
        reopened.Dispose();
        using var again = SpannIndex.Open(second, options);
        Assert.Equal(900, again.Count);
        Assert.Equal(want, queries.Select(q => again.Search(q, 5).Select(m => m.Key).ToArray()).ToList());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_damaged_record_with_sound_records_after_it_fails_the_open_and_the_log_is_left_as_it_is(bool badLength)
    {
        var (data, _) = TestVectors.DataAndQueries(600, 0, Dim, seed: 12);
        string dir = Path.Combine(folder, "damaged-log");
        var index = SpannIndex.Build(dir, VectorMetric.L2, Rows(data[..500]), options: Small);
        for (int i = 500; i < 600; i++)
        {
            index.Add(i, data[i]);
        }

        string crashed = Crashed(dir);
        index.Dispose();

        // The 4th of 100 acknowledged inserts is damaged (a flipped bit in its vector, or in its length), and 96 sound
        // records follow it: records are appended one at a time, so a crash can only tear the last. Replay used to stop
        // there, drop the 96 and cut the file.
        string log = Path.Combine(crashed, "wal.log");
        int record = 8 + 17 + (Dim * sizeof(float));
        long offset = 28 + (3L * record);
        byte[] damaged = File.ReadAllBytes(log);
        Assert.Equal(28 + (100L * record), damaged.Length);
        damaged[offset + (badLength ? 2 : 8 + 17 + 5)] ^= 0x40;
        File.WriteAllBytes(log, damaged);

        var error = Assert.Throws<VectorFormatException>(() => SpannIndex.Open(crashed, Small));
        Assert.Contains(log, error.Message, StringComparison.Ordinal);
        Assert.Contains($"offset {offset}", error.Message, StringComparison.Ordinal);
        Assert.Equal(damaged, File.ReadAllBytes(log));

        // The refused open let the folder go: a second try gets the same answer, not "in use".
        Assert.Throws<VectorFormatException>(() => SpannIndex.Open(crashed, Small));
    }

    [Fact]
    public void A_damaged_last_record_is_a_torn_write_and_is_cut_also_when_zeros_follow_it()
    {
        var (data, _) = TestVectors.DataAndQueries(600, 0, Dim, seed: 12);
        string dir = Path.Combine(folder, "torn-last");
        var index = SpannIndex.Build(dir, VectorMetric.L2, Rows(data[..500]), options: Small);
        for (int i = 500; i < 600; i++)
        {
            index.Add(i, data[i]);
        }

        string crashed = Crashed(dir);
        index.Dispose();

        // The last record half written (a bad CRC), then zeros: a file system may extend a file before its data lands.
        string log = Path.Combine(crashed, "wal.log");
        int record = 8 + 17 + (Dim * sizeof(float));
        byte[] bytes = File.ReadAllBytes(log);
        bytes[^5] ^= 0x40;
        File.WriteAllBytes(log, [.. bytes, .. new byte[4096]]);

        using (var reopened = SpannIndex.Open(crashed, Small with { CheckpointAfterReplay = 1_000 }))
        {
            Assert.Equal(599, reopened.Count);
            Assert.Equal(28 + (99L * record), new FileInfo(log).Length);
        }
    }

    [Fact]
    public void A_second_instance_on_a_folder_is_refused_and_a_refused_build_or_create_deletes_nothing()
    {
        var (data, _) = TestVectors.DataAndQueries(500, 0, Dim, seed: 3);
        string dir = Path.Combine(folder, "locked");
        var first = SpannIndex.Build(dir, VectorMetric.L2, Rows(data), options: Small);
        first.Add(1_000, data[0]);

        // Two writers of one folder allocated extents from the same file end and appended to one log: the last
        // checkpoint won, and every acknowledged update of the other was lost.
        var error = Assert.Throws<IOException>(() => SpannIndex.Open(dir, Small));
        Assert.Contains(dir, error.Message, StringComparison.Ordinal);
        Assert.Throws<IOException>(() => SpannIndex.Build(dir, VectorMetric.L2, Rows(data[..10]), options: Small));
        Assert.Throws<IOException>(() => SpannIndex.Create(dir, Dim, VectorMetric.L2, Small));

        first.Add(1_001, data[1]);
        first.Dispose();
        using var reopened = SpannIndex.Open(dir, Small);
        Assert.Equal(502, reopened.Count);
        Assert.True(reopened.Contains(1_001));
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void A_build_over_a_non_finite_value_is_refused_naming_its_row(float bad)
    {
        var (data, _) = TestVectors.DataAndQueries(10, 0, Dim, seed: 2);
        data[3][2] = bad;

        // The check ran in a Parallel.For, which wrapped it in an AggregateException, and it could not name the row.
        var error = Assert.Throws<VectorFormatException>(() => SpannIndex.Build(Path.Combine(folder, "nan"), VectorMetric.L2, Rows(data), options: Small));
        Assert.Contains("row 3", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("position 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Opening_creating_or_building_deletes_the_temporary_files_a_killed_checkpoint_left()
    {
        // A process killed during a checkpoint leaves the head, codes or meta file's temporary copy in the folder; nothing
        // deleted one. The folder's lock shuts out every other writer, so none of them can be a save under way.
        var (data, _) = TestVectors.DataAndQueries(300, 0, Dim, seed: 8);
        string dir = Path.Combine(folder, "leftovers");
        string Leftover()
        {
            string path = Path.Combine(dir, $".agentmem-{Guid.NewGuid():N}.tmp");
            File.WriteAllBytes(path, new byte[4096]);
            return path;
        }

        Directory.CreateDirectory(dir);
        string beforeBuild = Leftover();
        SpannIndex.Build(dir, VectorMetric.L2, Rows(data), options: Small).Dispose();
        Assert.False(File.Exists(beforeBuild));

        string beforeOpen = Leftover();
        string kept = Path.Combine(dir, "notes.tmp");
        File.WriteAllBytes(kept, [1]);
        using (var index = SpannIndex.Open(dir, Small))
        {
            Assert.False(File.Exists(beforeOpen));
            Assert.True(File.Exists(kept));
            Assert.Equal(300, index.Count);
        }

        string beforeCreate = Leftover();
        SpannIndex.Create(dir, Dim, VectorMetric.L2, Small).Dispose();
        Assert.False(File.Exists(beforeCreate));
    }

    [Fact]
    public void A_checkpoint_packs_the_postings_file_once_half_of_it_is_garbage()
    {
        var (data, queries) = TestVectors.DataAndQueries(3000, 20, Dim, seed: 22);
        string dir = Path.Combine(folder, "compact");
        var options = Small with { SplitThreshold = 32, CompactionMinimumBytes = 0 };
        List<long[]> want;
        long grown;
        using (var index = SpannIndex.Build(dir, VectorMetric.L2, Rows(data[..300]), options: options with { CompactionMinimumBytes = long.MaxValue }))
        {
            for (int i = 300; i < 3000; i++)
            {
                index.Add(i, data[i]);
            }

            for (int i = 0; i < 3000; i += 3)
            {
                index.Remove(i);
            }

            grown = new FileInfo(Directory.GetFiles(dir, "postings.*.spp").Single()).Length;
            want = Top10(index, queries);
        }

        // Reopened with compaction allowed: the checkpoint writes the next generation, packed, and deletes the old one.
        using (var index = SpannIndex.Open(dir, options))
        {
            index.Checkpoint();
            Assert.Equal(want, Top10(index, queries));
        }

        var packed = new FileInfo(Directory.GetFiles(dir, "postings.*.spp").Single());
        Assert.True(packed.Length * 2 <= grown, $"{grown:N0} bytes before, {packed.Length:N0} after");
        AssertReopensVerified(dir, options, 2000, queries, want);
    }

    /// <summary>The keys of the ten nearest to each query.</summary>
    private static List<long[]> Top10(SpannIndex index, float[][] queries) => queries.Select(q => index.Search(q, 10).Select(m => m.Key).ToArray()).ToList();

    /// <summary>Opens the index at <paramref name="dir"/> again, checking every posting, and asserts it holds <paramref name="count"/> vectors and answers <paramref name="want"/>.</summary>
    private static void AssertReopensVerified(string dir, SpannOptions options, int count, float[][] queries, List<long[]> want)
    {
        using var verified = SpannIndex.Open(dir, options with { VerifyPostingsOnOpen = true });
        Assert.Equal(count, verified.Count);
        Assert.Equal(want, Top10(verified, queries));
    }

    /// <summary>
    /// An index of 3,000 vectors grown from 300 with every third removed, closed with no compaction yet (its postings file
    /// holds the garbage), and the top 10 of 20 queries before any compaction; <c>options</c> compact at the next checkpoint.
    /// </summary>
    private (string Dir, SpannOptions Options, float[][] Data, float[][] Queries, List<long[]> Want) IndexWithGarbage(string name)
    {
        var (data, queries) = TestVectors.DataAndQueries(3000, 20, Dim, seed: 22);
        string dir = Path.Combine(folder, name);
        var options = Small with { SplitThreshold = 32, CompactionMinimumBytes = 0 };
        using var index = SpannIndex.Build(dir, VectorMetric.L2, Rows(data[..300]), options: options with { CompactionMinimumBytes = long.MaxValue });
        for (int i = 300; i < 3000; i++)
        {
            index.Add(i, data[i]);
        }

        for (int i = 0; i < 3000; i += 3)
        {
            index.Remove(i);
        }

        return (dir, options, data, queries, Top10(index, queries));
    }

    [Theory]
    [InlineData("write")] // the new postings are on disk, the codes are being trained
    [InlineData("codes")]
    public void A_build_over_an_index_that_fails_part_way_leaves_the_old_index_as_it_was(string failingAfter)
    {
        var (data, queries) = TestVectors.DataAndQueries(2000, 20, Dim, seed: 31);
        string dir = Path.Combine(folder, "rebuild-" + failingAfter);
        List<long[]> want;
        using (var old = SpannIndex.Build(dir, VectorMetric.L2, Rows(data[..600]), options: Small))
        {
            old.Add(10_000, data[1999]);
            want = Top10(old, queries);
        }

        var files = Directory.GetFiles(dir).Order().ToArray();

        // Killed, or failed (a full disk), after the new postings were written: before, the old index's files were deleted
        // first, and the folder then held no index ("spann.meta is missing").
        var failing = Small with { BuildPhaseDone = phase => { if (phase == failingAfter) { throw new IOException("No space left on device"); } } };
        Assert.Throws<IOException>(() => SpannIndex.Build(dir, VectorMetric.L2, Rows(data[600..]), options: failing));

        Assert.Equal(files, Directory.GetFiles(dir).Order().ToArray()); // the new generation's files are gone
        AssertReopensVerified(dir, Small, 601, queries, want);

        // A build that completes replaces it, and leaves only its own files.
        using (var rebuilt = SpannIndex.Build(dir, VectorMetric.L2, Rows(data[600..]), options: Small))
        {
            Assert.Equal(1400, rebuilt.Count);
            Assert.Equal(0L, rebuilt.Search(data[600], 1)[0].Key);
        }

        Assert.Single(Directory.GetFiles(dir, "postings.*.spp"));
        Assert.Single(Directory.GetFiles(dir, "heads.*.hnsw"));
        Assert.Single(Directory.GetFiles(dir, "codes.*.pq"));
        using var reopened = SpannIndex.Open(dir, Small);
        Assert.Equal(1400, reopened.Count);
    }

    [Fact]
    public void A_compaction_that_fails_part_way_leaves_every_posting_where_it_was()
    {
        var (dir, options, data, queries, want) = IndexWithGarbage("compact-fail");

        string before = Directory.GetFiles(dir, "postings.*.spp").Single();
        using (var index = SpannIndex.Open(dir, options))
        {
            // A disk that fills after ten postings are copied.
            index.CompactionCopying = copied => { if (copied == 10) { throw new IOException("No space left on device"); } };
            Assert.Throws<IOException>(index.Checkpoint);
            Assert.Equal([before], Directory.GetFiles(dir, "postings.*.spp"));
            Assert.Equal(want, Top10(index, queries));

            // With room again the checkpoint compacts, from the postings as they were.
            index.CompactionCopying = null;
            index.Checkpoint();
            Assert.NotEqual([before], Directory.GetFiles(dir, "postings.*.spp"));
            Assert.Equal(want, Top10(index, queries));
        }

        AssertReopensVerified(dir, options, 2000, queries, want);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(null)]
    public void Searches_without_writes_queue_each_small_posting_once(int? codeBytes)
    {
        var (data, queries) = TestVectors.DataAndQueries(3000, 200, Dim, seed: 29);
        // Nearly every posting (about ten entries) is under the merge threshold, so nearly every probe notes one.
        using var index = SpannIndex.Build(Path.Combine(folder, "merges"), VectorMetric.L2, Rows(data), options: Small with { MergeThreshold = 23, CodeBytes = codeBytes });
        for (int round = 0; round < 5; round++)
        {
            foreach (var q in queries)
            {
                index.Search(q, 10);
            }
        }

        Assert.InRange(index.QueuedMerges, 1, index.PostingCount);
    }

    [Fact]
    public void Near_duplicate_inserts_split_a_bounded_number_of_times_and_stay_findable()
    {
        var (data, _) = TestVectors.DataAndQueries(1000, 0, Dim, seed: 23);
        using var index = SpannIndex.Build(Path.Combine(folder, "dups"), VectorMetric.InnerProduct, Rows(Normalised(data)), options: Small);
        var random = new Random(4);
        var common = Normalised([data[0]])[0];
        int inserts = 1500, mostSplitsInOneInsert = 0;
        for (int i = 0; i < inserts; i++)
        {
            // The same text with one word changed: one shared direction plus a little of its own.
            var v = common.Select(x => x + (0.05f * (float)((random.NextDouble() * 2) - 1))).ToArray();
            int before = index.Maintenance.Splits;
            index.Add(10_000 + i, Normalised([v])[0]);
            mostSplitsInOneInsert = Math.Max(mostSplitsInOneInsert, index.Maintenance.Splits - before);
        }

        // At most SplitsPerUpdate per insert, never a cascade; every near-duplicate is still there to be found.
        Assert.InRange(mostSplitsInOneInsert, 1, MaxSplits);
        Assert.Equal(2500, index.Count);
        var found = index.Search(common, 200).Count(m => m.Key >= 10_000);
        Assert.True(found >= 190, $"{found} of the 200 nearest are near-duplicates");
    }

    private static int MaxSplits => Small.SplitsPerUpdate;

    private static float[][] Normalised(float[][] rows) => rows.Select(r =>
    {
        float norm = MathF.Sqrt(r.Sum(x => x * x));
        return r.Select(x => x / norm).ToArray();
    }).ToArray();

    [Fact]
    public void An_empty_index_grows_from_inserts()
    {
        var (data, queries) = TestVectors.DataAndQueries(400, 10, Dim, seed: 13);
        using var index = SpannIndex.Create(Path.Combine(folder, "f"), Dim, VectorMetric.L2, Small);
        Assert.Empty(index.Search(queries[0], 5));
        for (int i = 0; i < data.Length; i++)
        {
            index.Add(i, data[i]);
        }

        Assert.Equal(400, index.Count);
        Assert.True(index.PostingCount > 1);
        foreach (var q in queries)
        {
            Assert.Equal(5, index.Search(q, 5).Count);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(null)]
    public void A_search_beside_an_emptied_cluster_or_under_a_narrow_filter_still_finds_k(int? codeBytes)
    {
        // The probe radius is relative to the nearest head: with that head's cluster deleted (its postings not yet merged
        // away) or filtered out, the search probed nothing else and returned fewer than k, even none.
        var random = new Random(11);
        float[] Point(float centre, float spread) => [centre + (spread * (float)random.NextDouble()), centre + (spread * (float)random.NextDouble())];
        var data = Enumerable.Range(0, 200).Select(_ => Point(0f, 0.01f)).Concat(Enumerable.Range(0, 300).Select(_ => Point(10f, 1f))).ToArray();
        using var index = SpannIndex.Build(Path.Combine(folder, "emptied"), VectorMetric.L2, Rows(data), options: Small with { CodeBytes = codeBytes, MinCodeTrainingVectors = 256 });
        using var exact = new ExactVectorIndex(2, VectorMetric.L2);
        for (int i = 200; i < data.Length; i++)
        {
            exact.Add(i, data[i]);
        }

        // A filter that passes only the far cluster, before any delete.
        var filtered = index.Search([0f, 0f], 10, key => key >= 200);
        Assert.Equal(exact.Search([0f, 0f], 10).Select(m => m.Key), filtered.Select(m => m.Key));

        for (int i = 0; i < 200; i++)
        {
            Assert.True(index.Remove(i));
        }

        var found = index.Search([0f, 0f], 10);
        Assert.Equal(exact.Search([0f, 0f], 10).Select(m => m.Key), found.Select(m => m.Key));
    }

    [Fact]
    public void A_filtered_search_through_the_interface_probes_past_max_probes_until_it_has_k()
    {
        // IVectorIndex promises a filtered search keeps going until it has k or has seen every candidate; SpannIndex stopped
        // at MaxProbes heads, so a filter passing only a far cluster returned fewer than k, even none.
        var random = new Random(7);
        var data = Enumerable.Range(0, 500).Select(i => new[] { (i / 50 * 100f) + (float)random.NextDouble(), (float)random.NextDouble() }).ToArray();
        using var index = SpannIndex.Build(Path.Combine(folder, "probes"), VectorMetric.L2, Rows(data), options: Small with { MaxProbes = 2 });
        Assert.True(index.PostingCount > 2);
        using var exact = new ExactVectorIndex(2, VectorMetric.L2);
        for (int i = 450; i < data.Length; i++)
        {
            exact.Add(i, data[i]);
        }

        var found = index.Search(data[0], 5, key => key >= 450);
        Assert.Equal(exact.Search(data[0], 5).Select(m => m.Key), found.Select(m => m.Key));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(null)]
    public void An_unfiltered_search_after_mass_deletes_probes_past_max_probes_until_it_has_k(int? codeBytes)
    {
        // Deletes only mark entries stale, and the postings they empty are merged away only by a later write: a search
        // whose MaxProbes nearest postings held no live entry stopped there and returned fewer than k, even none, though
        // live vectors were left elsewhere.
        var (data, queries) = TestVectors.DataAndQueries(2000, 20, 16, seed: 41);
        using var index = SpannIndex.Build(Path.Combine(folder, "mass-delete"), VectorMetric.L2, Rows(data), options: Small with { CodeBytes = codeBytes });
        Assert.True(index.PostingCount > Small.MaxProbes);
        using var exact = new ExactVectorIndex(16, VectorMetric.L2);
        for (int i = 0; i < data.Length; i++)
        {
            if (i % 200 == 0)
            {
                exact.Add(i, data[i]);
            }
            else
            {
                Assert.True(index.Remove(i));
            }
        }

        Assert.Equal(10, index.Count);
        foreach (var q in queries)
        {
            Assert.Equal(exact.Search(q, 10).Select(m => m.Key), index.Search(q, 10).Select(m => m.Key));
            Assert.Equal(10, index.Search(q, 50).Count); // k past the live count: every live vector
        }
    }

    [Fact]
    public void A_merge_pass_forgets_the_deleted_keys_no_posting_holds_and_a_key_added_again_is_found_only_where_it_is()
    {
        // A delete keeps the key's label, negated, so that its stale entries are never taken for live ones; nothing ever
        // dropped it, so every key ever deleted stayed in memory and in every checkpoint's meta file.
        var random = new Random(3);
        float[] Point(float centre) => Enumerable.Range(0, 8).Select(_ => centre + (float)random.NextDouble()).ToArray();
        string dir = Path.Combine(folder, "forget-merged");
        var options = Small with { SplitThreshold = 400 };
        var current = new Dictionary<long, float[]>();
        var old = new Dictionary<long, float[]>();
        using (var index = SpannIndex.Create(dir, 8, VectorMetric.L2, options))
        {
            for (int i = 0; i < 600; i++)
            {
                current[i] = Point(i % 2 == 0 ? 0f : 100f);
                index.Add(i, current[i]);
            }

            index.Checkpoint();

            // The cluster at 0 goes whole, and its postings are merged away; five keys of the other go from a posting that
            // keeps most of its entries, so their stale entries stay on disk and so must their labels.
            foreach (long key in current.Keys.Where(k => k % 2 == 0 || k < 10).ToList())
            {
                Assert.True(index.Remove(key));
                old[key] = current[key];
                current.Remove(key);
            }

            Assert.True(index.MergeSmallPostings() > 0);
            Assert.Equal(295, index.Count);
            Assert.Equal(300, index.LabelledKeys);

            for (long key = 0; key < 10; key++)
            {
                current[key] = Point(50f);
                index.Add(key, current[key]);
            }

            Assert.Equal(305, index.LabelledKeys);
            AssertFoundOnlyWhereTheyAre(index, current, old.Where(e => e.Key < 10).ToDictionary());
            index.Checkpoint();
        }

        using var reopened = SpannIndex.Open(dir, options);
        Assert.Equal(305, reopened.Count);
        Assert.Equal(305, reopened.LabelledKeys);
        AssertFoundOnlyWhereTheyAre(reopened, current, old.Where(e => e.Key < 10).ToDictionary());
    }

    [Fact]
    public void A_compaction_keeps_only_live_entries_and_forgets_every_deleted_key_and_a_key_added_again_is_found_only_where_it_is()
    {
        var (dir, options, data, queries, want) = IndexWithGarbage("forget-compacted");
        var current = Enumerable.Range(0, 3000).Where(i => i % 3 != 0).ToDictionary(i => (long)i, i => data[i]);
        var old = Enumerable.Range(0, 3000).Where(i => i % 3 == 0).Take(100).ToDictionary(i => (long)i, i => data[i]);
        string meta = Path.Combine(dir, SpannMeta.FileName);
        long metaBefore = new FileInfo(meta).Length;
        using (var index = SpannIndex.Open(dir, options))
        {
            Assert.Equal(3000, index.LabelledKeys);
            index.Checkpoint(); // half the postings file is garbage: compacted
            Assert.Equal(2000, index.LabelledKeys);
            Assert.Equal(want, Top10(index, queries));
            Assert.Equal(current.Keys.Order(), index.KeysInPostings().Order());

            foreach (long key in old.Keys)
            {
                current[key] = data[key + 1].Select(x => x + 0.25f).ToArray();
                index.Add(key, current[key]);
            }

            AssertFoundOnlyWhereTheyAre(index, current, old);
            index.Checkpoint();
        }

        Assert.True(new FileInfo(meta).Length <= metaBefore - (900 * 12), $"{metaBefore:N0} bytes before, {new FileInfo(meta).Length:N0} after");
        using var reopened = SpannIndex.Open(dir, options with { VerifyPostingsOnOpen = true });
        Assert.Equal(2100, reopened.Count);
        Assert.Equal(2100, reopened.LabelledKeys);
        AssertFoundOnlyWhereTheyAre(reopened, current, old);
    }

    /// <summary>
    /// Asserts that each key of <paramref name="moved"/> (its old vector) is found at its <paramref name="current"/> one, and
    /// that a search at its old vector finds only live keys, each once, at the distance of its current vector: a stale
    /// entry taken for a live one would be found at the old place.
    /// </summary>
    private static void AssertFoundOnlyWhereTheyAre(SpannIndex index, Dictionary<long, float[]> current, Dictionary<long, float[]> moved)
    {
        foreach (var (key, was) in moved)
        {
            var hit = index.Search(current[key], 1)[0];
            Assert.Equal(key, hit.Key);
            Assert.Equal(0f, hit.Distance, 4);
            var near = index.Search(was, 10);
            Assert.Equal(10, near.Count);
            Assert.Equal(near.Count, near.Select(m => m.Key).Distinct().Count());
            foreach (var m in near)
            {
                Assert.True(current.TryGetValue(m.Key, out var v), $"deleted key {m.Key} found");
                float expected = VectorDistance.Compute(VectorMetric.L2, was, v);
                Assert.InRange(m.Distance, expected - (1e-4f * (1 + expected)), expected + (1e-4f * (1 + expected)));
            }
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void A_checkpoint_after_the_last_posting_was_merged_away_writes_its_codes(int emptied)
    {
        // A split makes postings 1 and 2; emptying the cluster of posting 2 and merging it away leaves the highest posting
        // id dead. The codes trained at the next checkpoint had no slot for it, so every checkpoint (and dispose) threw.
        var random = new Random(3);
        float[] Point(float centre) => Enumerable.Range(0, 8).Select(_ => centre + (float)random.NextDouble()).ToArray();
        string dir = Path.Combine(folder, "dead-last");
        var options = Small with { SplitThreshold = 400, MinCodeTrainingVectors = 256 };
        using (var index = SpannIndex.Create(dir, 8, VectorMetric.L2, options))
        {
            for (int i = 0; i < 600; i++)
            {
                index.Add(i, Point(i % 2 == 0 ? 0f : 100f));
            }

            Assert.Equal(0, index.CodeBytes); // trained at the first checkpoint, below
            int last = index.PostingCount;
            for (int i = emptied; i < 600; i += 2) // one cluster or the other: which posting it is in, the split decides
            {
                Assert.True(index.Remove(i));
            }

            Assert.True(index.MergeSmallPostings() > 0);
            Assert.True(index.PostingCount < last);
            index.Checkpoint();
        }

        using var reopened = SpannIndex.Open(dir, options);
        Assert.Equal(1, reopened.CodeBytes);
        Assert.Equal(300, reopened.Count);
    }

    [Fact]
    public void A_dispose_whose_checkpoint_fails_still_closes_the_index_and_the_log_keeps_its_updates()
    {
        var (data, _) = TestVectors.DataAndQueries(10, 0, Dim, seed: 4);
        string dir = Path.Combine(folder, "dispose-fails");
        var index = SpannIndex.Create(dir, Dim, VectorMetric.L2, Small);
        index.Add(7, data[0]);

        // The checkpoint's head file cannot be written (its name is taken): Dispose reports that, but still closes the
        // files and the lock, so the index no longer answers as if open.
        string blocked = Path.Combine(dir, "heads.2.hnsw");
        Directory.CreateDirectory(blocked);
        Assert.Throws<IOException>(index.Dispose);
        Assert.Throws<ObjectDisposedException>(() => index.Count);
        Assert.Throws<ObjectDisposedException>(() => index.Search(data[0], 1));
        index.Dispose(); // once closed, a second call does nothing

        Directory.Delete(blocked);
        using var reopened = SpannIndex.Open(dir, Small);
        Assert.Equal(7, reopened.Search(data[0], 1)[0].Key);
    }

    [Fact]
    public void Dispose_during_searches_and_writes_throws_nothing_and_every_later_call_is_refused_as_disposed()
    {
        // Dispose disposed the reader-writer lock while searches waited on it behind its final checkpoint:
        // SynchronizationLockException ("being disposed while still being used"), which no caller expects from a close.
        var (data, queries) = TestVectors.DataAndQueries(300, 3, Dim, seed: 19);
        for (int trial = 0; trial < 10; trial++)
        {
            var index = SpannIndex.Create(Path.Combine(folder, $"race-{trial}"), Dim, VectorMetric.L2, Small);
            for (int i = 0; i < data.Length; i++)
            {
                index.Add(i, data[i]); // so that Dispose has a checkpoint to write
            }

            DisposeRace.AssertCleanDispose(index, data, queries);
        }
    }

    [Fact]
    public void A_checkpoint_that_fails_after_compacting_leaves_one_postings_file_once_a_later_one_succeeds()
    {
        var (dir, options, data, queries, want) = IndexWithGarbage("compact-then-fail");

        string before = Directory.GetFiles(dir, "postings.*.spp").Single();
        using (var index = SpannIndex.Open(dir, options))
        {
            // The compaction succeeds, then the head file cannot be written: the replaced postings file was forgotten and
            // stayed on disk for good.
            long generation = Directory.GetFiles(dir, "heads.*.hnsw").Select(f => long.Parse(Path.GetFileName(f).Split('.')[1], CultureInfo.InvariantCulture)).Single();
            string blocked = Path.Combine(dir, $"heads.{generation + 1}.hnsw");
            Directory.CreateDirectory(blocked);
            Assert.Throws<IOException>(index.Checkpoint);
            Assert.Equal(2, Directory.GetFiles(dir, "postings.*.spp").Length);
            Assert.Equal(want, Top10(index, queries));

            Directory.Delete(blocked);
            index.Checkpoint();
            Assert.NotEqual(before, Assert.Single(Directory.GetFiles(dir, "postings.*.spp")));
        }

        AssertReopensVerified(dir, options, 2000, queries, want);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(null)]
    public void A_search_for_more_than_the_index_holds_returns_them_all(int? codeBytes)
    {
        // int.MaxValue probes (or k) sized a heap by it: an overflow (ArgumentOutOfRange) or an OutOfMemoryException.
        var (data, queries) = TestVectors.DataAndQueries(500, 1, Dim, seed: 31);
        using var index = SpannIndex.Build(Path.Combine(folder, "all"), VectorMetric.L2, Rows(data), options: Small with { CodeBytes = codeBytes });
        Assert.Equal(index.Search(queries[0], 10, maxProbes: 1_000, epsilon: 0.6f).Select(m => m.Key), index.Search(queries[0], 10, maxProbes: int.MaxValue, epsilon: 0.6f).Select(m => m.Key));
        var all = index.Search(queries[0], int.MaxValue, maxProbes: int.MaxValue, epsilon: float.MaxValue);
        Assert.Equal(500, all.Count);
        Assert.Equal(500, all.Select(m => m.Key).Distinct().Count());
    }

    [Fact]
    public void A_k_means_sample_below_the_codebook_size_still_trains_codes()
    {
        var (data, queries) = TestVectors.DataAndQueries(600, 5, Dim, seed: 12);
        using (var built = SpannIndex.Build(Path.Combine(folder, "built"), VectorMetric.L2, Rows(data), options: Small with { KMeansSample = 100 }))
        {
            Assert.Equal(Dim / 8, built.CodeBytes);
            Assert.Equal(10, built.Search(queries[0], 10).Count);
        }

        string dir = Path.Combine(folder, "grown");
        using var grown = SpannIndex.Create(dir, Dim, VectorMetric.L2, Small with { KMeansSample = 100 });
        for (int i = 0; i < 300; i++)
        {
            grown.Add(i, data[i]);
        }

        grown.Checkpoint();
        Assert.Equal(Dim / 8, grown.CodeBytes);
    }

    [Fact]
    public void Bad_vectors_and_options_are_rejected()
    {
        using var index = SpannIndex.Create(Path.Combine(folder, "g"), Dim, VectorMetric.L2, Small);
        Assert.Throws<VectorFormatException>(() => index.Add(1, new float[Dim + 1]));
        var nan = new float[Dim];
        nan[3] = float.NaN;
        Assert.Throws<VectorFormatException>(() => index.Add(1, nan));
        Assert.Throws<VectorFormatException>(() => index.Search(new float[3], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => (Small with { MaxReplicas = 0 }).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => (Small with { MaxReplicas = 256, CandidateHeads = 256 }).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => (Small with { HeadFraction = 0 }).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => (Small with { MergeThreshold = 40 }).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => (Small with { CodeBytes = -1 }).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => (Small with { RerankDepth = 0 }).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => (Small with { ExactHeadLimit = -1 }).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => (Small with { MinCodeTrainingVectors = 10 }).Validate());
    }
}
