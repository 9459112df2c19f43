using AgentMem.Retrieval.Vectors;

namespace AgentMem.Retrieval.Tests.Vectors;

public sealed class HnswFileTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "agentmem-hnsw-tests", Guid.NewGuid().ToString("N"));

    public HnswFileTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Theory]
    [InlineData(VectorMetric.L2)]
    [InlineData(VectorMetric.Cosine)]
    public void Save_then_load_gives_identical_search_results(VectorMetric metric)
    {
        var (data, queries) = TestVectors.DataAndQueries(1500, 30, 16, seed: 11);
        using var index = new HnswIndex(16, metric, new HnswOptions { EfConstruction = 48, M = 8, Seed = 3 });
        for (int i = 0; i < data.Length; i++)
        {
            index.Add(i * 3L, data[i]);
        }

        for (int i = 0; i < 100; i++)
        {
            index.Remove(i * 3L * 7);
        }

        string path = Path.Combine(folder, "index.hnsw");
        index.Save(path);
        Assert.Equal(["index.hnsw"], Directory.GetFiles(folder).Select(Path.GetFileName)); // no temporary file left beside it
        using var loaded = HnswIndex.Load(path);
        Assert.Equal(index.Count, loaded.Count);
        Assert.Equal(metric, loaded.Metric);
        Assert.Equal(index.Options, loaded.Options with { MaxElements = index.Options.MaxElements });
        foreach (var q in queries)
        {
            Assert.Equal(index.Search(q, 10), loaded.Search(q, 10));
            Assert.Equal(index.Search(q, 5, key => key % 2 == 0), loaded.Search(q, 5, key => key % 2 == 0));
        }

        // The loaded index keeps working: adds reuse deleted slots, and it saves again.
        loaded.Add(-1, queries[0]);
        Assert.Equal(-1, loaded.Search(queries[0], 1)[0].Key);
        loaded.Save(path);
        using var again = HnswIndex.Load(path);
        Assert.Equal(loaded.Search(queries[1], 10), again.Search(queries[1], 10));
    }

    [Fact]
    public void Empty_index_round_trips()
    {
        using var index = new HnswIndex(4, VectorMetric.InnerProduct);
        string path = Path.Combine(folder, "empty.hnsw");
        index.Save(path);
        using var loaded = HnswIndex.Load(path);
        Assert.Equal(0, loaded.Count);
        Assert.Empty(loaded.Search([1, 0, 0, 0], 3));
    }

    [Fact]
    public void Flipped_byte_in_the_body_fails_the_checksum()
    {
        string path = SaveSmall();
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<VectorFormatException>(() => HnswIndex.Load(path));
        Assert.Contains("checksum", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(40)]
    [InlineData(1000)]
    [InlineData(-1)]
    public void Truncated_file_is_reported_as_truncated(int keep)
    {
        string path = SaveSmall();
        var bytes = File.ReadAllBytes(path);
        int length = keep < 0 ? bytes.Length - 1 : keep;
        File.WriteAllBytes(path, bytes[..length]);
        var ex = Assert.Throws<VectorFormatException>(() => HnswIndex.Load(path));
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_magic_is_refused()
    {
        string path = SaveSmall();
        var bytes = File.ReadAllBytes(path);
        "NOTHNSW!"u8.CopyTo(bytes);
        File.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<VectorFormatException>(() => HnswIndex.Load(path));
        Assert.Contains("magic", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Other_format_version_is_refused()
    {
        string path = SaveSmall();
        var bytes = File.ReadAllBytes(path);
        BitConverter.TryWriteBytes(bytes.AsSpan(8), HnswFile.FormatVersion + 1);
        File.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<VectorFormatException>(() => HnswIndex.Load(path));
        Assert.Contains("version 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_damaged_count_and_dimension_whose_product_overflows_are_refused_as_truncated()
    {
        // n × (dimension × 4) wrapped past the size check; the arrays it then allocated threw OutOfMemoryException,
        // which the retrieval state does not take for a damaged index (so the cube failed instead of being rebuilt).
        string path = SaveSmall();
        var bytes = File.ReadAllBytes(path);
        BitConverter.TryWriteBytes(bytes.AsSpan(8 + 4), 1 << 30);
        BitConverter.TryWriteBytes(bytes.AsSpan(8 + 32), int.MaxValue);
        File.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<VectorFormatException>(() => HnswIndex.Load(path));
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Trailing_bytes_are_refused()
    {
        string path = SaveSmall();
        File.AppendAllText(path, "x");
        Assert.Throws<VectorFormatException>(() => HnswIndex.Load(path));
    }

    [Fact]
    public void Header_announcing_more_vectors_than_the_file_holds_is_refused_before_allocating()
    {
        string path = SaveSmall();
        var bytes = File.ReadAllBytes(path);
        BitConverter.TryWriteBytes(bytes.AsSpan(8 + (8 * 4)), int.MaxValue); // node count
        File.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<VectorFormatException>(() => HnswIndex.Load(path));
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    private string SaveSmall()
    {
        var data = TestVectors.Clustered(200, 8, seed: 12);
        using var index = new HnswIndex(8, VectorMetric.L2, new HnswOptions { EfConstruction = 32 });
        for (int i = 0; i < data.Length; i++)
        {
            index.Add(i, data[i]);
        }

        string path = Path.Combine(folder, Guid.NewGuid().ToString("N") + ".hnsw");
        index.Save(path);
        return path;
    }
}
