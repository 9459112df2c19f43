using System.Buffers.Binary;
using AgentMem.Retrieval.Spann;
using AgentMem.Retrieval.Tests.Vectors;
using AgentMem.Retrieval.Vectors;

namespace AgentMem.Retrieval.Tests.Spann;

/// <summary>Bad files are refused at open time with <see cref="VectorFormatException"/> and a message that says what is wrong.</summary>
public sealed class SpannFileTests : IDisposable
{
    private const int Dim = 16;
    private readonly string folder = Path.Combine(Path.GetTempPath(), "agentmem-spann-file-tests", Guid.NewGuid().ToString("N"));

    public SpannFileTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string BuildIndex(string name, int seed = 21)
    {
        var (data, _) = TestVectors.DataAndQueries(600, 0, Dim, seed);
        string dir = Path.Combine(folder, name);
        using (SpannIndex.Build(dir, VectorMetric.L2, SpannIndexTests.Rows(data), options: SpannIndexTests.Small))
        {
        }

        return dir;
    }

    private static string Postings(string dir) => Directory.GetFiles(dir, "postings.*.spp").Single();

    private static string Meta(string dir) => Path.Combine(dir, "spann.meta");

    private static void Expect(string dir, string fragment, int? dimension = null)
    {
        var error = Assert.Throws<VectorFormatException>(() => SpannIndex.Open(dir, SpannIndexTests.Small, dimension).Dispose());
        Assert.Contains(fragment, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_clean_index_reopens()
    {
        string dir = BuildIndex("ok");
        using var index = SpannIndex.Open(dir, SpannIndexTests.Small, Dim);
        Assert.Equal(600, index.Count);
    }

    [Fact]
    public void A_truncated_postings_file_is_refused()
    {
        string dir = BuildIndex("t");
        using (var f = new FileStream(Postings(dir), FileMode.Open))
        {
            f.SetLength(f.Length - 4096);
        }

        Expect(dir, "truncated");
    }

    [Fact]
    public void A_flipped_byte_in_a_posting_fails_its_crc()
    {
        string dir = BuildIndex("c");
        using (var f = new FileStream(Postings(dir), FileMode.Open))
        {
            f.Position = 4096 + 40;
            int b = f.ReadByte();
            f.Position = 4096 + 40;
            f.WriteByte((byte)(b ^ 0x5A));
        }

        Expect(dir, "CRC");
    }

    [Fact]
    public void Without_verification_at_open_a_search_that_reads_a_corrupt_posting_whole_fails_its_crc()
    {
        var (data, _) = TestVectors.DataAndQueries(600, 0, Dim, 21);
        string dir = Path.Combine(folder, "search");
        using (SpannIndex.Build(dir, VectorMetric.L2, SpannIndexTests.Rows(data), options: SpannIndexTests.Small with { CodeBytes = 0 }))
        {
        }

        FlipFirstEntryByte(dir);
        using var index = SpannIndex.Open(dir, SpannIndexTests.Small with { CodeBytes = 0, VerifyPostingsOnOpen = false });
        var error = Assert.Throws<VectorFormatException>(() =>
        {
            foreach (var row in data)
            {
                index.Search(row, 10);
            }
        });
        Assert.Contains("fails its CRC", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_verification_at_open_a_corrupt_posting_is_refused_before_a_write_gives_it_a_fresh_crc()
    {
        var (data, _) = TestVectors.DataAndQueries(600, 0, Dim, 21);
        string dir = BuildIndex("write");
        long key = FlipFirstEntryByte(dir);
        var options = SpannIndexTests.Small with { VerifyPostingsOnOpen = false };
        using (var index = SpannIndex.Open(dir, options))
        {
            Assert.Contains("fails its CRC", Assert.Throws<VectorFormatException>(() => index.KeysInPostings()).Message, StringComparison.Ordinal);
        }

        // Copies of a vector the corrupt posting holds go to that posting: the first write to it reads it and refuses it,
        // where it used to append, and the checkpoint then covered the corrupt entries with a CRC that matches them.
        using (var index = SpannIndex.Open(dir, options))
        {
            var error = Assert.Throws<VectorFormatException>(() =>
            {
                for (int i = 0; i < 200; i++)
                {
                    index.Add(10_000 + i, data[key]);
                }

                index.Checkpoint();
            });
            Assert.Contains("fails its CRC", error.Message, StringComparison.Ordinal);
        }

        Expect(dir, "CRC");
    }

    /// <summary>Flips a byte of the vector of the first entry of the posting at the start of the file; returns that entry's key.</summary>
    private static long FlipFirstEntryByte(string dir)
    {
        using var f = new FileStream(Postings(dir), FileMode.Open);
        var head = new byte[8];
        f.Position = 4096;
        f.ReadExactly(head);
        f.Position = 4096 + 40;
        int b = f.ReadByte();
        f.Position = 4096 + 40;
        f.WriteByte((byte)(b ^ 0x5A));
        return BinaryPrimitives.ReadInt64LittleEndian(head);
    }

    [Fact]
    public void A_corrupt_or_truncated_meta_file_is_refused()
    {
        string dir = BuildIndex("m");
        byte[] meta = File.ReadAllBytes(Meta(dir));
        meta[meta.Length / 2] ^= 0xFF;
        File.WriteAllBytes(Meta(dir), meta);
        Expect(dir, "corrupt");
        File.WriteAllBytes(Meta(dir), meta[..(meta.Length - 10)]);
        Expect(dir, "truncated");
        File.WriteAllBytes(Meta(dir), [1, 2, 3]);
        Expect(dir, "not a SPANN meta file");
        File.Delete(Meta(dir));
        Expect(dir, "no SPANN index");
    }

    [Fact]
    public void Files_of_another_index_are_refused()
    {
        string a = BuildIndex("a", seed: 1);
        string b = BuildIndex("b", seed: 2);
        File.Copy(Postings(b), Postings(a), overwrite: true);
        Expect(a, "another index");

        string c = BuildIndex("c2", seed: 3);
        File.Copy(Path.Combine(b, "wal.log"), Path.Combine(c, "wal.log"), overwrite: true);
        Expect(c, "another index");

        string d = BuildIndex("d", seed: 4);
        string heads = Directory.GetFiles(d, "heads.*.hnsw").Single();
        File.Copy(Directory.GetFiles(b, "heads.*.hnsw").Single(), heads, overwrite: true);
        Expect(d, "head");
    }

    [Fact]
    public void The_format_version_docs_formats_md_gives_is_the_one_written()
    {
        // A reader written from the field table must expect what this build writes at offset 8.
        string dir = BuildIndex("doc");
        int written = BinaryPrimitives.ReadInt32LittleEndian(File.ReadAllBytes(Meta(dir)).AsSpan(8));
        Assert.Equal(written, FormatsDoc.FormatVersion("### `spann.meta`"));
    }

    [Fact]
    public void Another_format_version_is_refused()
    {
        string dir = BuildIndex("v");
        byte[] meta = File.ReadAllBytes(Meta(dir));
        BinaryPrimitives.WriteInt32LittleEndian(meta.AsSpan(8), 99);
        File.WriteAllBytes(Meta(dir), meta);
        Expect(dir, "version 99");

        string dir2 = BuildIndex("v2");
        using (var f = new FileStream(Postings(dir2), FileMode.Open))
        {
            f.Position = 8;
            f.Write([7, 0, 0, 0]);
        }

        Expect(dir2, "postings file");
    }

    [Fact]
    public void A_dimension_mismatch_is_refused()
    {
        string dir = BuildIndex("dim");
        Expect(dir, "16-dimensional", dimension: 32);
    }

    [Fact]
    public void A_corrupt_missing_or_foreign_codes_file_is_refused()
    {
        string dir = BuildIndex("pq");
        string codes = Directory.GetFiles(dir, "codes.*.pq").Single();
        byte[] bytes = File.ReadAllBytes(codes);
        bytes[bytes.Length / 2] ^= 0x33;
        File.WriteAllBytes(codes, bytes);
        Expect(dir, "codes file");
        File.WriteAllBytes(codes, bytes[..100]);
        Expect(dir, "codes file");
        File.Delete(codes);
        Expect(dir, "missing");

        string other = BuildIndex("pq2", seed: 5);
        string mine = BuildIndex("pq3", seed: 6);
        File.Copy(Directory.GetFiles(other, "codes.*.pq").Single(), Directory.GetFiles(mine, "codes.*.pq").Single(), overwrite: true);
        Expect(mine, "another index");
    }

    [Fact]
    public void A_missing_head_file_is_refused()
    {
        string dir = BuildIndex("h");
        File.Delete(Directory.GetFiles(dir, "heads.*.hnsw").Single());
        Expect(dir, "missing");
    }

    [Fact]
    public void A_rebuild_removes_temporary_files_a_crash_left_in_either_naming()
    {
        string dir = BuildIndex("tmp");
        string[] stale = [Meta(dir) + ".tmp", $"{Meta(dir)}.{Guid.NewGuid():N}.tmp", $"{Directory.GetFiles(dir, "codes.*.pq").Single()}.{Guid.NewGuid():N}.tmp"];
        foreach (string file in stale)
        {
            File.WriteAllBytes(file, [1, 2, 3]);
        }

        Assert.Equal(3, Directory.GetFiles(dir, "*.tmp").Length);
        BuildIndex("tmp", seed: 22);
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
        using var index = SpannIndex.Open(dir, SpannIndexTests.Small, Dim);
        Assert.Equal(600, index.Count);
    }
}
