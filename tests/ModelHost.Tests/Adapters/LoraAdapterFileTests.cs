using System.Buffers.Binary;
using AgentMem.Common;

namespace AgentMem.ModelHost.Tests.Adapters;

/// <summary>The <c>.amlora</c> file: round trip, and a clear refusal for every kind of bad file.</summary>
public sealed class LoraAdapterFileTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), $"agentmem-lora-{Guid.NewGuid():N}");

    public LoraAdapterFileTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void Round_trip_keeps_header_metadata_sources_and_tensors()
    {
        var adapter = LoraTestAdapters.Random(Stories.Model, 4, seed: 1, targets: [LoraTarget.V, LoraTarget.Q, LoraTarget.W2], alpha: 8f);
        string path = Save(adapter);
        var loaded = LoraAdapterFile.Load(path, Stories.Model);
        Assert.Equal(4, loaded.Rank);
        Assert.Equal(8f, loaded.Alpha);
        Assert.Equal(2f, loaded.Scale);
        Assert.Equal([LoraTarget.Q, LoraTarget.V, LoraTarget.W2], loaded.Targets);
        Assert.Equal((5, 64, 32, adapter.HiddenDim), (loaded.Layers, loaded.Dim, loaded.KvDim, loaded.HiddenDim));
        Assert.True(loaded.BaseFingerprint.SequenceEqual(Stories.Model.GetFingerprint()));
        Assert.Equal(adapter.Metadata, loaded.Metadata);
        Assert.Equal(["memory-a@1", "memory-b@3"], loaded.Sources);
        Assert.Equal(adapter.ComputeId(), loaded.ComputeId());
        Assert.Equal(adapter.GetB(LoraTarget.W2, 4), loaded.GetB(LoraTarget.W2, 4));
        Assert.Equal(4 * adapter.HiddenDim, loaded.GetA(LoraTarget.W2, 0).Length);
        Assert.Equal(64 * 4, loaded.GetB(LoraTarget.W2, 0).Length);
        Assert.Empty(Directory.GetFiles(folder, "*.tmp"));
    }

    [Fact]
    public void Inspect_reads_a_long_header_without_the_tensors()
    {
        var metadata = new Dictionary<string, string> { ["recipe"] = new string('x', 40_000), ["lr"] = "2e-4" };
        var adapter = LoraAdapter.Create(Stories.Model, 4, 4f, [LoraTarget.Q, LoraTarget.W1], metadata).WithSources(["m1@2", "m2@1"]);
        string path = Save(adapter);
        var header = LoraAdapterFile.Inspect(path);
        Assert.Equal((1, 4, 4f, 1f), (header.Version, header.Rank, header.Alpha, header.Scale));
        Assert.Equal([LoraTarget.Q, LoraTarget.W1], header.Targets);
        Assert.Equal(["m1@2", "m2@1"], header.Sources);
        Assert.Equal(40_000, header.Metadata["recipe"].Length);
        Assert.Equal(Convert.ToHexStringLower(Stories.Model.GetFingerprint()), header.Fingerprint);
        Assert.Equal(new FileInfo(path).Length, header.FileBytes);
        Assert.Equal(adapter.ComputeId(), LoraAdapterFile.Load(path).ComputeId());

        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..30_000]); // ends inside the metadata
        Assert.Contains("truncated", Assert.Throws<ModelFormatException>(() => LoraAdapterFile.Inspect(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_loaded_adapter_writes_back_the_same_bytes_ending_in_the_crc32_of_the_rest()
    {
        string path = Save(LoraTestAdapters.Random(Stories.Model, 3, seed: 5, targets: [LoraTarget.K, LoraTarget.W1]));
        byte[] saved = File.ReadAllBytes(path);
        using var again = new MemoryStream();
        LoraAdapterFile.WriteTo(LoraAdapterFile.Load(path), again);
        Assert.Equal(saved, again.ToArray());
        Assert.Equal(System.IO.Hashing.Crc32.HashToUInt32(saved.AsSpan(0, saved.Length - 4)), BinaryPrimitives.ReadUInt32LittleEndian(saved.AsSpan(saved.Length - 4)));
    }

    [Fact]
    public void Wrong_magic_is_refused()
    {
        string path = Save(Small());
        var bytes = File.ReadAllBytes(path);
        bytes[0] = (byte)'X';
        File.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<ModelFormatException>(() => LoraAdapterFile.Load(path));
        Assert.Contains("not a LoRA adapter", ex.Message, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Newer_version_is_refused()
    {
        string path = Save(Small());
        var bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), 2);
        File.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<ModelFormatException>(() => LoraAdapterFile.Load(path));
        Assert.Contains("version 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("newer", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(500)]
    [InlineData(60)]
    public void Truncated_file_is_refused(int keep)
    {
        string path = Save(Small());
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..Math.Min(keep, bytes.Length - 1)]);
        var ex = Assert.Throws<ModelFormatException>(() => LoraAdapterFile.Load(path));
        Assert.True(ex.Message.Contains("truncated", StringComparison.Ordinal) || ex.Message.Contains("bad magic", StringComparison.Ordinal), ex.Message);
    }

    [Fact]
    public void Cut_tail_is_truncated_and_a_flipped_tensor_byte_fails_the_checksum()
    {
        string path = Save(Small());
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^7]);
        Assert.Contains("truncated", Assert.Throws<ModelFormatException>(() => LoraAdapterFile.Load(path)).Message, StringComparison.Ordinal);

        bytes[^100] ^= 0x40;
        File.WriteAllBytes(path, bytes);
        Assert.Contains("checksum mismatch", Assert.Throws<ModelFormatException>(() => LoraAdapterFile.Load(path)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-1f)]
    public void An_alpha_that_is_not_positive_is_refused(float alpha)
    {
        // A zero alpha attaches and does nothing; a negative one turns the update round. Training refuses both.
        string path = Save(Small());
        var bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(8 + 4 + 32 + 20), alpha);
        File.WriteAllBytes(path, bytes);
        Assert.Contains("implausible", Assert.Throws<ModelFormatException>(() => LoraAdapterFile.Load(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Implausible_header_is_refused_without_allocating()
    {
        string path = Save(Small());
        var bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8 + 4 + 32 + 16), 100_000); // rank
        File.WriteAllBytes(path, bytes);
        Assert.Contains("implausible", Assert.Throws<ModelFormatException>(() => LoraAdapterFile.Load(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Adapter_of_another_model_is_refused_when_loaded_against_a_model()
    {
        var c = Stories.Model.Config;
        var other = new LoraAdapter(c.Layers, c.Dim, c.KvDim, c.HiddenDim, 2, 2f, [LoraTarget.Q], new byte[32]);
        string path = Save(other);
        _ = LoraAdapterFile.Load(path); // well-formed on its own
        var ex = Assert.Throws<ModelFormatException>(() => LoraAdapterFile.Load(path, Stories.Model));
        Assert.Contains("another model", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ModelFormatException>(() => Stories.Model.WithAdapters(other));
    }

    [Fact]
    public void Adapter_of_another_shape_is_refused()
    {
        var c = Stories.Model.Config;
        var fp = Stories.Model.GetFingerprint();
        var wrong = new LoraAdapter(c.Layers - 1, c.Dim, c.KvDim, c.HiddenDim, 2, 2f, [LoraTarget.Q], fp);
        string path = Save(wrong);
        var ex = Assert.Throws<ModelFormatException>(() => LoraAdapterFile.Load(path, Stories.Model));
        Assert.Contains("shape", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ModelFormatException>(() => Stories.Model.WithAdapters(wrong));

        var adapter = LoraAdapter.Create(Stories.Model, 2, 2f, [LoraTarget.K]);
        Assert.Throws<ArgumentException>(() => adapter.SetWeights(LoraTarget.K, 0, new float[2 * 64], new float[64 * 2]));
        adapter.SetWeights(LoraTarget.K, 0, new float[2 * 64], new float[32 * 2]);
        Assert.Throws<ArgumentException>(() => adapter.GetA(LoraTarget.Q, 0));
    }

    [Fact]
    public void An_adapter_the_reader_would_refuse_is_not_written()
    {
        // At the reader's limit it round-trips; one past it (or a longer string, more layers) is refused before any byte is written.
        var atLimit = Small().WithSources(Enumerable.Range(0, 1 << 16).Select(i => $"m{i}@1"));
        Assert.Equal(1 << 16, LoraAdapterFile.Load(Save(atLimit)).Sources.Count);
        Directory.Delete(folder, recursive: true);
        Directory.CreateDirectory(folder);

        var tooMany = new (LoraAdapter Adapter, string Expect)[]
        {
            (Small().WithSources(Enumerable.Range(0, 70_000).Select(i => $"m{i}@1")), "70000 sources"),
            (Small().WithSources(["ok", new string('s', (1 << 20) + 1)]), "source"),
            (LoraAdapter.Create(Stories.Model, 2, 2f, [LoraTarget.Q], new Dictionary<string, string> { ["recipe"] = new string('é', 600_000) }), "metadata"),
            (new LoraAdapter(4097, 1, 1, 1, 1, 1f, [LoraTarget.Q], new byte[32]), "4097 layers"),

            // UTF-8 cannot hold a lone surrogate: it was written as U+FFFD, so two keys became one and a value changed.
            (LoraAdapter.Create(Stories.Model, 2, 2f, [LoraTarget.Q], new Dictionary<string, string> { ["k\uD800"] = "a", ["k\uDBFF"] = "b" }), "surrogate"),
            (LoraAdapter.Create(Stories.Model, 2, 2f, [LoraTarget.Q], new Dictionary<string, string> { ["v"] = "x\uDC00y" }), "surrogate"),
            (Small().WithSources(["memory-a@1", "cut \uD83D"]), "surrogate"),
        };
        foreach (var (adapter, expect) in tooMany)
        {
            string path = Path.Combine(folder, $"{Guid.NewGuid():N}{LoraAdapterFile.Extension}");
            var ex = Assert.Throws<ArgumentException>(() => LoraAdapterFile.Save(adapter, path));
            Assert.Contains(expect, ex.Message, StringComparison.Ordinal);
            Assert.Empty(Directory.GetFiles(folder));

            using var stream = new MemoryStream();
            Assert.Throws<ArgumentException>(() => LoraAdapterFile.WriteTo(adapter, stream));
            Assert.Equal(0, stream.Length);
        }
    }

    [Fact]
    public void A_metadata_key_written_twice_is_refused_not_overwritten()
    {
        // The reader kept the last of two entries under one key: a file the writer never makes lost an entry without a word.
        var adapter = LoraAdapter.Create(Stories.Model, 2, 2f, [LoraTarget.Q], new Dictionary<string, string> { ["ka"] = "1", ["kb"] = "2" });
        byte[] bytes = File.ReadAllBytes(Save(adapter));
        int at = bytes.AsSpan().IndexOf("kb"u8);
        "ka"u8.CopyTo(bytes.AsSpan(at));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), System.IO.Hashing.Crc32.HashToUInt32(bytes.AsSpan(0, bytes.Length - 4)));
        string path = Path.Combine(folder, $"twice{LoraAdapterFile.Extension}");
        File.WriteAllBytes(path, bytes);

        Assert.Contains("'ka'", Assert.Throws<ModelFormatException>(() => LoraAdapterFile.Load(path)).Message, StringComparison.Ordinal);
        Assert.Contains("'ka'", Assert.Throws<ModelFormatException>(() => LoraAdapterFile.Inspect(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_NaN_or_an_infinity_is_refused_by_SetWeights_Save_and_Load()
    {
        // One NaN in one B made every logit NaN (greedy decoding then picked token 0 without a word), and the file's checksum
        // held, since the NaN was saved with it.
        var adapter = LoraAdapter.Create(Stories.Model, 2, 4f, [LoraTarget.Q]);
        float[] a = [.. Enumerable.Repeat(0.1f, 2 * 64)], b = [.. Enumerable.Repeat(0.1f, 64 * 2)];
        b[3] = float.NaN;
        var ex = Assert.Throws<ArgumentException>(() => adapter.SetWeights(LoraTarget.Q, 0, a, b));
        Assert.Equal("bValues", ex.ParamName);
        Assert.Contains("B of Q in layer 0 holds NaN or an infinity", ex.Message, StringComparison.Ordinal);
        Assert.All(adapter.GetA(LoraTarget.Q, 0), x => Assert.Equal(0f, x)); // nothing copied
        b[3] = 0.1f;
        a[7] = float.PositiveInfinity;
        Assert.Equal("aValues", Assert.Throws<ArgumentException>(() => adapter.SetWeights(LoraTarget.Q, 1, a, b)).ParamName);

        // Filled in place, as a trainer does: Save refuses it and writes nothing.
        adapter.GetB(LoraTarget.Q, 2)[5] = float.NegativeInfinity;
        string refused = Path.Combine(folder, $"nan{LoraAdapterFile.Extension}");
        Assert.Contains("B of Q in layer 2", Assert.Throws<ArgumentException>(() => LoraAdapterFile.Save(adapter, refused)).Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(folder));
        using (var stream = new MemoryStream())
        {
            Assert.Throws<ArgumentException>(() => LoraAdapterFile.WriteTo(adapter, stream));
            Assert.Equal(0, stream.Length);
        }

        // A file holding one with a checksum of its own (an older build saved it): Load names where, before a model sees it.
        string path = SavedWithLastValue(float.NaN, "saved-nan");
        var fx = Assert.Throws<ModelFormatException>(() => LoraAdapterFile.Load(path, Stories.Model));
        Assert.Contains(path, fx.Message, StringComparison.Ordinal);
        Assert.Contains("B of O in layer 4 holds NaN or an infinity", fx.Message, StringComparison.Ordinal);
    }

    // A small adapter saved, its last value (B of O, layer 4) set to `value` and its checksum made right again, as an older
    // build that checked no value would have saved it.
    private string SavedWithLastValue(float value, string name)
    {
        byte[] bytes = File.ReadAllBytes(Save(Small()));
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(bytes.Length - 8), value);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), System.IO.Hashing.Crc32.HashToUInt32(bytes.AsSpan(0, bytes.Length - 4)));
        string path = Path.Combine(folder, $"{name}{LoraAdapterFile.Extension}");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void A_finite_value_too_large_for_the_update_is_refused_by_SetWeights_Save_and_Load()
    {
        // One B value of 1e38 is finite, so it passed every NaN check: scale·B·A overflowed to an infinity in the projection,
        // every logit was NaN (greedy decoding printed <unk> with exit 0), and merged it wiped out the weights it touched.
        var adapter = LoraAdapter.Create(Stories.Model, 2, 4f, [LoraTarget.Q]);
        float[] a = [.. Enumerable.Repeat(0.1f, 2 * 64)], b = [.. Enumerable.Repeat(0.1f, 64 * 2)];
        b[3] = 1e38f;
        var ex = Assert.Throws<ArgumentException>(() => adapter.SetWeights(LoraTarget.Q, 0, a, b));
        Assert.Equal("bValues", ex.ParamName);
        Assert.Contains("B of Q in layer 0 holds 1E+38", ex.Message, StringComparison.Ordinal);
        Assert.All(adapter.GetB(LoraTarget.Q, 0), x => Assert.Equal(0f, x)); // nothing copied
        b[3] = 1e4f; // the bound itself is accepted
        a[7] = -2e4f;
        Assert.Equal("aValues", Assert.Throws<ArgumentException>(() => adapter.SetWeights(LoraTarget.Q, 1, a, b)).ParamName);
        a[7] = -1e4f;
        adapter.SetWeights(LoraTarget.Q, 1, a, b);

        // Filled in place, as a trainer does: Save refuses it and writes nothing.
        adapter.GetA(LoraTarget.Q, 2)[5] = 3e5f;
        string refused = Path.Combine(folder, $"huge{LoraAdapterFile.Extension}");
        Assert.Contains("A of Q in layer 2 holds 300000", Assert.Throws<ArgumentException>(() => LoraAdapterFile.Save(adapter, refused)).Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(folder));

        // A file holding one with a checksum of its own (an older build saved it): Load names where, before a model sees it.
        string path = SavedWithLastValue(1e38f, "saved-huge");
        var fx = Assert.Throws<ModelFormatException>(() => LoraAdapterFile.Load(path, Stories.Model));
        Assert.Contains(path, fx.Message, StringComparison.Ordinal);
        Assert.Contains("B of O in layer 4 holds 1E+38", fx.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_scale_too_large_for_the_update_is_refused()
    {
        // alpha / rank multiplies every update: with alpha 1e38, values of any size overflowed.
        var c = Stories.Model.Config;
        Assert.Throws<ArgumentOutOfRangeException>(() => new LoraAdapter(c.Layers, c.Dim, c.KvDim, c.HiddenDim, 2, 1e38f, [LoraTarget.Q], Stories.Model.GetFingerprint()));
        _ = new LoraAdapter(c.Layers, c.Dim, c.KvDim, c.HiddenDim, 2, 2e4f, [LoraTarget.Q], Stories.Model.GetFingerprint()); // scale 1e4: the bound

        string path = Save(Small());
        var bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(8 + 4 + 32 + 20), 1e38f);
        File.WriteAllBytes(path, bytes);
        Assert.Contains("implausible", Assert.Throws<ModelFormatException>(() => LoraAdapterFile.Load(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_is_a_format_error()
    {
        var ex = Assert.Throws<ModelFormatException>(() => LoraAdapterFile.Load(Path.Combine(folder, "none.amlora")));
        Assert.Contains("not found", ex.Message, StringComparison.Ordinal);

        // A missing folder too (DirectoryNotFoundException, not FileNotFoundException).
        string inMissingFolder = Path.Combine(folder, "no-such-folder", "none.amlora");
        Assert.Contains("not found", Assert.Throws<ModelFormatException>(() => LoraAdapterFile.Load(inMissingFolder)).Message, StringComparison.Ordinal);
        Assert.Contains("not found", Assert.Throws<ModelFormatException>(() => LoraAdapterFile.Inspect(inMissingFolder)).Message, StringComparison.Ordinal);

        // A folder at the path: Load threw a raw UnauthorizedAccessException, Inspect called it missing.
        Assert.Contains("is a folder, not a LoRA adapter file", Assert.Throws<ModelFormatException>(() => LoraAdapterFile.Load(folder)).Message, StringComparison.Ordinal);
        Assert.Contains("is a folder, not a LoRA adapter file", Assert.Throws<ModelFormatException>(() => LoraAdapterFile.Inspect(folder)).Message, StringComparison.Ordinal);
    }

    private static LoraAdapter Small() => LoraTestAdapters.Random(Stories.Model, 2, seed: 7, targets: [LoraTarget.Q, LoraTarget.O]);

    private string Save(LoraAdapter adapter)
    {
        string path = Path.Combine(folder, $"{Guid.NewGuid():N}{LoraAdapterFile.Extension}");
        LoraAdapterFile.Save(adapter, path);
        return path;
    }
}
