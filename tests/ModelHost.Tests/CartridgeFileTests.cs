using System.Buffers.Binary;
using AgentMem.Common;

namespace AgentMem.ModelHost.Tests;

/// <summary>Current files: direct loading into a cache, inspection, and reading version 1 files.</summary>
public sealed class CartridgeFileTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "agentmem-modelhost-tests", Guid.NewGuid().ToString("N"));

    public CartridgeFileTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void Save_replaces_a_file_whole_and_leaves_no_temporary_behind()
    {
        string path = Path.Combine(folder, "c.amkv");
        var first = Stories.Generator.CreateCartridge(Stories.Lily, Stories.Model.CreateCache());
        first.Save(path);
        var second = Stories.Generator.CreateCartridge(Stories.Tom, Stories.Model.CreateCache());
        second.Save(path);
        Assert.Equal(second.Tokens, KvCartridge.Load(path).Tokens);
        Assert.Equal(["c.amkv"], Directory.GetFiles(folder).Select(Path.GetFileName));

        // A write that fails (here: into a folder that is not there) leaves nothing under the name and no temporary.
        string missing = Path.Combine(folder, "absent", "d.amkv");
        Assert.Throws<DirectoryNotFoundException>(() => second.Save(missing));
        Assert.Equal(["c.amkv"], Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Select(Path.GetFileName));
    }

    [Fact]
    public void A_missing_file_or_a_folder_is_a_format_error_naming_the_path_for_every_reader()
    {
        // Load, Inspect and LoadInto threw a raw FileNotFoundException (a folder: UnauthorizedAccessException), which a caller
        // catching the ModelFormatException the docs promise did not catch; the adapter loader already reported "not found".
        var cache = Stories.Model.CreateCache();
        foreach (var (path, expect) in new[]
        {
            (Path.Combine(folder, "none.amkv"), "KV cartridge file not found"),
            (Path.Combine(folder, "no-such-folder", "none.amkv"), "KV cartridge file not found"),
            (folder, "is a folder, not a KV cartridge file"),
        })
        {
            foreach (var read in new Action[] { () => KvCartridge.Load(path), () => KvCartridge.Inspect(path), () => KvCartridge.LoadInto(path, Stories.Model, cache) })
            {
                var ex = Assert.Throws<ModelFormatException>(read);
                Assert.StartsWith($"{path}: ", ex.Message, StringComparison.Ordinal);
                Assert.Contains(expect, ex.Message, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void A_cartridge_the_reader_would_refuse_is_not_written()
    {
        var cartridge = Stories.Generator.CreateCartridge(Stories.Lily, Stories.Model.CreateCache());

        // The reader takes recipes up to 1 MiB; a longer one (say, from composing many trained parts) is refused before writing.
        string atLimit = Path.Combine(folder, "ok.amkv");
        cartridge.AsTrained(new Dictionary<string, string> { ["notes"] = new string('x', (1 << 20) - "notes=\n".Length) }).Save(atLimit);
        Assert.Equal((1 << 20) - "notes=\n".Length, KvCartridge.Load(atLimit).Recipe["notes"].Length);
        File.Delete(atLimit);

        var tooLong = cartridge.AsTrained(new Dictionary<string, string> { ["notes"] = new string('x', 1 << 20) });
        var ex = Assert.Throws<ArgumentException>(() => tooLong.Save(Path.Combine(folder, "long.amkv")));
        Assert.Contains("recipe", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(folder));
        using var stream = new MemoryStream();
        Assert.Throws<ArgumentException>(() => tooLong.WriteTo(stream));
        Assert.Equal(0, stream.Length);
    }

    [Fact]
    public void A_recipe_entry_with_an_unpaired_surrogate_is_refused_where_it_is_given()
    {
        // UTF-8 cannot hold a lone surrogate: it was saved as U+FFFD, so "a\uD800" and "a\uDBFF" became one key twice and the
        // saved file could not be loaded again; a value silently changed.
        var cartridge = Stories.Generator.CreateCartridge(Stories.Lily, Stories.Model.CreateCache());
        foreach (var recipe in new[]
        {
            new Dictionary<string, string> { ["a\uD800"] = "1", ["a\uDBFF"] = "2" },
            new Dictionary<string, string> { ["notes"] = "x\uDC00y" },
            new Dictionary<string, string> { ["notes"] = "cut in an emoji \uD83D" },
        })
        {
            var ex = Assert.Throws<ArgumentException>(() => cartridge.AsTrained(recipe));
            Assert.Contains("surrogate", ex.Message, StringComparison.Ordinal);
        }

        // A whole character outside the BMP (a surrogate pair) is stored and read back as it was.
        string path = Path.Combine(folder, "emoji.amkv");
        cartridge.AsTrained(new Dictionary<string, string> { ["note\uD83D\uDE00"] = "\uD83D\uDE00" }).Save(path);
        Assert.Equal("\uD83D\uDE00", KvCartridge.Load(path).Recipe["note\uD83D\uDE00"]);
    }

    [Fact]
    public void LoadInto_fills_the_cache_like_Load_and_ImportInto()
    {
        var cartridge = Stories.Generator.CreateCartridge(Stories.Lily, Stories.Model.CreateCache());
        string path = Path.Combine(folder, "c.amkv");
        cartridge.Save(path);
        Assert.Equal(cartridge.FileBytes, new FileInfo(path).Length);

        var viaLoad = Stories.Model.CreateCache();
        KvCartridge.Load(path).ImportInto(Stories.Model, viaLoad);
        var direct = Stories.Model.CreateCache();
        var header = KvCartridge.LoadInto(path, Stories.Model, direct);
        Assert.Equal(cartridge.Tokens, header.Tokens);
        Assert.Equal(Convert.ToHexStringLower(cartridge.Id), header.Id);
        Assert.True(header.IsRoot);
        Assert.Equal(viaLoad.Length, direct.Length);
        for (int l = 0; l < Stories.Model.Config.Layers; l++)
        {
            for (int s = 0; s < direct.Length; s++)
            {
                Assert.Equal(viaLoad.Key(l, s).ToArray(), direct.Key(l, s).ToArray());
                Assert.Equal(viaLoad.Value(l, s).ToArray(), direct.Value(l, s).ToArray());
            }
        }

        var inspected = KvCartridge.Inspect(path);
        Assert.Equal(KvCartridge.FormatVersion, inspected.Version);
        Assert.Equal(cartridge.Count, inspected.Count);
        Assert.Equal(5, inspected.Layers);
        Assert.Equal(new FileInfo(path).Length, inspected.FileBytes);
        Assert.Equal(Convert.ToHexStringLower(Stories.Model.GetFingerprint()), inspected.Fingerprint);
    }

    [Fact]
    public void The_format_version_docs_formats_md_gives_is_the_one_written()
    {
        // A reader written from the field table must expect what this build writes at offset 8.
        string path = Path.Combine(folder, "doc.amkv");
        Stories.Generator.CreateCartridge(Stories.Lily, Stories.Model.CreateCache()).Save(path);
        int written = BinaryPrimitives.ReadInt32LittleEndian(File.ReadAllBytes(path).AsSpan(8));
        Assert.Equal(written, FormatsDoc.FormatVersion("## KV cartridge"));
    }

    [Fact]
    public void Corrupt_file_leaves_the_cache_empty_and_foreign_model_leaves_it_untouched()
    {
        var cartridge = Stories.Generator.CreateCartridge(Stories.Lily, Stories.Model.CreateCache());
        string path = Path.Combine(folder, "c.amkv");
        cartridge.Save(path);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x40;
        string bad = Path.Combine(folder, "bad.amkv");
        File.WriteAllBytes(bad, bytes);
        var cache = Stories.Model.CreateCache();
        Stories.Model.Forward(1, 0, cache);
        Assert.Contains("checksum", Assert.Throws<ModelFormatException>(() => KvCartridge.LoadInto(bad, Stories.Model, cache)).Message, StringComparison.Ordinal);
        Assert.Equal(0, cache.Length);
        Assert.Contains("checksum", Assert.Throws<ModelFormatException>(() => KvCartridge.Load(bad)).Message, StringComparison.Ordinal);

        File.WriteAllBytes(bad, bytes[..^9]);
        Assert.Contains("truncated", Assert.Throws<ModelFormatException>(() => KvCartridge.Load(bad)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cartridge_longer_than_a_capped_models_context_is_an_argument_error_naming_both_and_leaves_the_cache_untouched()
    {
        // It was a ModelFormatException saying the cartridge's "shape" did not fit, as if the file were foreign or corrupt,
        // and it never said the context. A capped model keeps its fingerprint, so the cartridge is otherwise accepted.
        var cartridge = Stories.Generator.CreateCartridge(Stories.Lily, Stories.Model.CreateCache());
        string path = Path.Combine(folder, "c.amkv");
        cartridge.Save(path);
        int context = cartridge.Count - 1;
        var small = LlamaModel.Load(RepoPaths.StoriesModel, new ModelLoadOptions { MaxSequenceLength = context });
        var cache = small.CreateCache();
        small.Forward(1, 0, cache);

        foreach (var refused in new Action[] { () => KvCartridge.LoadInto(path, small, cache), () => cartridge.ImportInto(small, cache) })
        {
            string message = Assert.Throws<ArgumentException>(refused).Message;
            Assert.Contains($"{cartridge.Count} entries", message, StringComparison.Ordinal);
            Assert.Contains($"context of {context}", message, StringComparison.Ordinal);
            Assert.Equal(1, cache.Length);
        }

        // A real shape mismatch (a cache of another layer count) stays a format error.
        using var other = new KvCache(Stories.Model.Config with { Layers = 4 });
        Assert.Throws<ModelFormatException>(() => KvCartridge.LoadInto(path, Stories.Model, other));
    }

    [Fact]
    public void Version_1_files_still_load_as_roots_and_decode_the_same()
    {
        var generator = Stories.Generator;
        var cartridge = generator.CreateCartridge(Stories.Tom, Stories.Model.CreateCache());
        using var stream = new MemoryStream();
        cartridge.WriteTo(stream);
        string path = Path.Combine(folder, "v1.amkv");
        File.WriteAllBytes(path, ToVersion1(stream.ToArray()));

        var v1 = KvCartridge.Load(path);
        Assert.True(v1.IsRoot);
        Assert.Equal(cartridge.Tokens, v1.Tokens);
        Assert.Equal(cartridge.Id.ToArray(), v1.Id.ToArray()); // computed from the content, as version 2 stores it
        Assert.Equal(1, KvCartridge.Inspect(path).Version);
        Assert.Null(KvCartridge.Inspect(path).Id);
        var a = generator.Resume(v1, string.Empty, 20, new Sampler(512, 0f), Stories.Model.CreateCache());
        var b = generator.Resume(cartridge, string.Empty, 20, new Sampler(512, 0f), Stories.Model.CreateCache());
        Assert.Equal(b.Tokens, a.Tokens);

        // Re-saving writes the current version.
        string again = Path.Combine(folder, "v2.amkv");
        v1.Save(again);
        Assert.Equal(KvCartridge.FormatVersion, KvCartridge.Inspect(again).Version);
    }

    [Fact]
    public void A_header_whose_payload_size_wraps_around_is_refused()
    {
        // 2 × 4096 layers × 2^23 entries × kv dim 4096·16384 × 4 bytes is 2^64, which 64-bit arithmetic wraps to 0: a file of
        // just the header, tokens, positions and checksum (64 MiB) then matched its own length and loaded with empty layers.
        const int header = 144, count = 1 << 23;
        var cartridge = Stories.Generator.CreateCartridge(Stories.Lily, Stories.Model.CreateCache());
        using var stream = new MemoryStream();
        cartridge.WriteTo(stream);
        byte[] crafted = new byte[header + (8 * count) + 4];
        stream.GetBuffer().AsSpan(0, header).CopyTo(crafted);
        BinaryPrimitives.WriteInt32LittleEndian(crafted.AsSpan(44), 4096); // layers
        BinaryPrimitives.WriteInt32LittleEndian(crafted.AsSpan(48), 4096); // kv heads
        BinaryPrimitives.WriteInt32LittleEndian(crafted.AsSpan(52), 16384); // head size
        BinaryPrimitives.WriteInt32LittleEndian(crafted.AsSpan(68), count);
        BinaryPrimitives.WriteInt32LittleEndian(crafted.AsSpan(136), 0); // flags
        BinaryPrimitives.WriteInt32LittleEndian(crafted.AsSpan(140), 0); // recipe bytes
        for (int i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(crafted.AsSpan(header + (4 * count) + (4 * i)), i); // positions, increasing
        }

        BinaryPrimitives.WriteUInt32LittleEndian(crafted.AsSpan(crafted.Length - 4), System.IO.Hashing.Crc32.HashToUInt32(crafted.AsSpan(0, crafted.Length - 4)));
        string path = Path.Combine(folder, "wrapped.amkv");
        File.WriteAllBytes(path, crafted);

        Assert.Contains("2 GiB", Assert.Throws<ModelFormatException>(() => KvCartridge.Read(crafted)).Message, StringComparison.Ordinal);
        Assert.Contains("2 GiB", Assert.Throws<ModelFormatException>(() => KvCartridge.Load(path)).Message, StringComparison.Ordinal);
        Assert.Throws<ModelFormatException>(() => KvCartridge.Inspect(path));
        var cache = Stories.Model.CreateCache();
        Assert.Throws<ModelFormatException>(() => KvCartridge.LoadInto(path, Stories.Model, cache));
    }

    [Theory]
    [InlineData(56, 1, "dtype 1", "RoPE")]
    [InlineData(64, 7, "RoPE style 7", "dtype")]
    public void A_bad_dtype_and_a_bad_rope_style_are_refused_each_by_its_own_name(int offset, int value, string named, string notNamed)
    {
        // Both went into one message, "unsupported dtype 1 or RoPE style 0", which blamed a valid RoPE style for a bad dtype.
        using var stream = new MemoryStream();
        Stories.Generator.CreateCartridge(Stories.Lily, Stories.Model.CreateCache()).WriteTo(stream);
        byte[] bytes = stream.ToArray();
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(offset), value);
        string path = Path.Combine(folder, "field.amkv");
        File.WriteAllBytes(path, bytes);

        foreach (var read in new Action[] { () => KvCartridge.Read(bytes), () => KvCartridge.Load(path), () => KvCartridge.Inspect(path) })
        {
            string message = Assert.Throws<ModelFormatException>(read).Message;
            Assert.Contains(named, message, StringComparison.Ordinal);
            Assert.DoesNotContain(notNamed, message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_damaged_fingerprint_is_reported_by_LoadInto_as_a_corrupt_file_not_as_another_model()
    {
        // LoadInto compared the fingerprint before the checksum: one flipped bit past the eighth byte was blamed on "another
        // model" with two identical (cut) fingerprints, while Load called the same file corrupt.
        string path = Path.Combine(folder, "c.amkv");
        Stories.Generator.CreateCartridge(Stories.Lily, Stories.Model.CreateCache()).Save(path);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[12 + 9] ^= 1;
        string bad = Path.Combine(folder, "bad.amkv");
        File.WriteAllBytes(bad, bytes);

        var cache = Stories.Model.CreateCache();
        Stories.Model.Forward(1, 0, cache);
        string message = Assert.Throws<ModelFormatException>(() => KvCartridge.LoadInto(bad, Stories.Model, cache)).Message;
        Assert.Contains("checksum mismatch", message, StringComparison.Ordinal);
        Assert.DoesNotContain("another model", message, StringComparison.Ordinal);
        Assert.Equal(1, cache.Length); // refused before anything was read into it
        Assert.Equal(Assert.Throws<ModelFormatException>(() => KvCartridge.Load(bad)).Message, message);
    }

    [Fact]
    public void A_file_of_another_model_names_both_fingerprints_in_full()
    {
        // Only the first 8 bytes were shown, so fingerprints differing later read as identical.
        string path = Path.Combine(folder, "c.amkv");
        Stories.Generator.CreateCartridge(Stories.Lily, Stories.Model.CreateCache()).Save(path);
        var other = LlamaModel.Load(RepoPaths.StoriesModel, new ModelLoadOptions { Quantization = WeightQuantization.Int8PerRow });
        var cache = other.CreateCache();
        string message = Assert.Throws<ModelFormatException>(() => KvCartridge.LoadInto(path, other, cache)).Message;
        Assert.Contains("another model", message, StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexStringLower(Stories.Model.GetFingerprint()), message, StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexStringLower(other.GetFingerprint()), message, StringComparison.Ordinal);
        Assert.Equal(0, cache.Length);
    }

    /// <summary>The version-1 layout: an untrained version-3 file without its two 32-byte ids, flags and recipe length, with the checksum recomputed.</summary>
    private static byte[] ToVersion1(byte[] v3)
    {
        const int v1Header = 72;
        const int dropped = 64 + 8;
        byte[] v1 = [.. v3.AsSpan(0, v1Header), .. v3.AsSpan(v1Header + dropped, v3.Length - v1Header - dropped - 4), 0, 0, 0, 0];
        BinaryPrimitives.WriteInt32LittleEndian(v1.AsSpan(8), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(v1.AsSpan(v1.Length - 4), System.IO.Hashing.Crc32.HashToUInt32(v1.AsSpan(0, v1.Length - 4)));
        return v1;
    }
}
