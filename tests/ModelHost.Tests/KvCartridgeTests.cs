using AgentMem.Common;

namespace AgentMem.ModelHost.Tests;

/// <summary>KV cartridges: export a prefilled prefix, reload it, continue decoding; refuse corrupt or foreign files.</summary>
public sealed class KvCartridgeTests : IDisposable
{
    private const string Prompt = "Once upon a time, there was a little boy named Tom. He liked";
    private static readonly Lazy<LlamaModel> Model = new(() => LlamaModel.Load(RepoPaths.StoriesModel));
    private static readonly Lazy<SentencePieceBpeTokenizer> Tokenizer = new(() => SentencePieceBpeTokenizer.Load(RepoPaths.StoriesTokenizer, 512));

    private readonly string folder = Path.Combine(Path.GetTempPath(), "agentmem-modelhost-tests", Guid.NewGuid().ToString("N"));

    public KvCartridgeTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static (KvCartridge Cartridge, int[] Prompt) ExportPrompt()
    {
        var generator = new Generator(Model.Value, Tokenizer.Value);
        var cache = Model.Value.CreateCache();
        int[] prompt = generator.Prefill(Prompt, cache);
        return (KvCartridge.Export(Model.Value, cache, prompt[..^1]), prompt);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(1f)]
    public void Decoding_after_import_equals_decoding_after_prefill(float temperature)
    {
        var generator = new Generator(Model.Value, Tokenizer.Value);
        var direct = generator.Generate(Prompt, 40, new Sampler(512, temperature, 0.9f, 99));

        var (cartridge, prompt) = ExportPrompt();
        string path = Path.Combine(folder, "prefix.amkv");
        cartridge.Save(path);
        var loaded = KvCartridge.Load(path);
        Assert.Equal(prompt[..^1], loaded.Tokens);
        Assert.Equal(Enumerable.Range(0, prompt.Length - 1), loaded.Positions);

        var cache = Model.Value.CreateCache();
        loaded.ImportInto(Model.Value, cache);
        Assert.Equal(prompt.Length - 1, cache.Length);
        var resumed = generator.Continue(prompt, prompt.Length - 1, 40, new Sampler(512, temperature, 0.9f, 99), cache);

        Assert.Equal(direct.Tokens, resumed.Tokens);
        Assert.Equal(direct.Text, resumed.Text);
        Assert.Equal(40, resumed.Tokens.Count);
    }

    [Fact]
    public void Round_trip_is_bit_exact()
    {
        var (cartridge, _) = ExportPrompt();
        using var a = new MemoryStream();
        cartridge.WriteTo(a);
        var again = KvCartridge.Read(a.ToArray());
        using var b = new MemoryStream();
        again.WriteTo(b);
        Assert.Equal(a.ToArray(), b.ToArray());
        Assert.Equal(5, again.Layers);
        Assert.Equal(4, again.KvHeads);
        Assert.Equal(8, again.HeadSize);
        Assert.Equal(10000f, again.RopeTheta);
        Assert.Equal(Model.Value.GetFingerprint(), again.Fingerprint.ToArray());
    }

    [Fact]
    public void Corrupted_truncated_and_foreign_files_are_refused()
    {
        var (cartridge, _) = ExportPrompt();
        using var stream = new MemoryStream();
        cartridge.WriteTo(stream);
        byte[] good = stream.ToArray();

        byte[] flipped = (byte[])good.Clone();
        flipped[good.Length / 2] ^= 0x10; // inside the K/V payload
        Assert.Contains("checksum", Assert.Throws<ModelFormatException>(() => KvCartridge.Read(flipped)).Message, StringComparison.Ordinal);

        Assert.Contains("truncated", Assert.Throws<ModelFormatException>(() => KvCartridge.Read(good.AsSpan(0, good.Length - 7))).Message, StringComparison.Ordinal);
        Assert.Throws<ModelFormatException>(() => KvCartridge.Read(good.AsSpan(0, 20)));

        byte[] magic = (byte[])good.Clone();
        magic[0] = (byte)'X';
        Assert.Contains("magic", Assert.Throws<ModelFormatException>(() => KvCartridge.Read(magic)).Message, StringComparison.Ordinal);

        byte[] version = (byte[])good.Clone();
        version[8] = 9;
        Assert.Contains("version", Assert.Throws<ModelFormatException>(() => KvCartridge.Read(version)).Message, StringComparison.Ordinal);

        Assert.Throws<ModelFormatException>(() => KvCartridge.Load(RepoPaths.StoriesModel));
    }

    [Fact]
    public void Cartridge_from_another_model_is_refused()
    {
        var (cartridge, _) = ExportPrompt();
        var checkpoint = Llama2cCheckpoint.Load(RepoPaths.StoriesModel);
        var w = checkpoint.Weights;
        // Same shape, one weight nudged: a different model as far as a cache is concerned.
        var embedding = (float[])w.TokenEmbedding.Clone();
        embedding[0] += 0.5f;
        var other = new LlamaModel(checkpoint.Config, w with { TokenEmbedding = embedding, Classifier = embedding });
        var ex = Assert.Throws<ModelFormatException>(() => cartridge.ImportInto(other, other.CreateCache()));
        Assert.Contains("another model", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rebased_layer0_keys_equal_keys_computed_at_the_new_positions()
    {
        var model = Model.Value;
        var tok = Tokenizer.Value;
        int[] a = tok.Encode("Once upon a time");
        int[] b = tok.Encode("Lily went to the park", bos: false);

        var cache = model.CreateCache();
        for (int i = 0; i < a.Length; i++)
        {
            model.Forward(a[i], i, cache);
        }

        var partA = KvCartridge.Export(model, cache, a);
        cache.Clear();
        for (int i = 0; i < b.Length; i++)
        {
            model.Forward(b[i], i, cache);
        }

        var partB = KvCartridge.Export(model, cache, b);
        var composed = KvCartridge.Compose(partA, partB);
        Assert.Equal([.. a, .. b], composed.Tokens);
        Assert.Equal(Enumerable.Range(0, a.Length + b.Length), composed.Positions);

        // Ground truth: the same tokens run in one sequence. Layer 0 keys/values depend only on token and position.
        var direct = model.CreateCache();
        int[] all = [.. a, .. b];
        for (int i = 0; i < all.Length; i++)
        {
            model.Forward(all[i], i, direct);
        }

        var imported = model.CreateCache();
        composed.ImportInto(model, imported);
        Assert.Equal(all.Length, imported.Length);
        double maxDiff = 0;
        for (int p = 0; p < all.Length; p++)
        {
            var expectedK = direct.Key(0, p).ToArray();
            var actualK = imported.Key(0, p).ToArray();
            for (int j = 0; j < expectedK.Length; j++)
            {
                maxDiff = Math.Max(maxDiff, Math.Abs(expectedK[j] - actualK[j]));
            }

            Assert.Equal(direct.Value(0, p).ToArray(), imported.Value(0, p).ToArray());
        }

        Assert.True(maxDiff < 1e-4, $"max layer-0 key diff {maxDiff}");

        // The composed cache is usable: decoding continues after it.
        var generator = new Generator(model, tok);
        var result = generator.Continue(all, all.Length, 10, new Sampler(512), imported);
        Assert.Equal(10, result.Tokens.Count);
    }

    [Fact]
    public void Rebase_there_and_back_is_identity_within_tolerance()
    {
        var (cartridge, _) = ExportPrompt();
        var back = cartridge.Rebase(300).Rebase(-300);
        Assert.Equal(cartridge.Positions, back.Positions);
        using var x = new MemoryStream();
        using var y = new MemoryStream();
        cartridge.WriteTo(x);
        back.WriteTo(y);
        var kx = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(x.ToArray().AsSpan(136, (int)x.Length - 140)).ToArray();
        var ky = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(y.ToArray().AsSpan(136, (int)y.Length - 140)).ToArray();
        for (int i = 2 * cartridge.Count; i < kx.Length; i++)
        {
            Assert.True(Math.Abs(kx[i] - ky[i]) <= 1e-4 * Math.Max(1, Math.Abs(kx[i])), $"[{i}] {kx[i]} vs {ky[i]}");
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => cartridge.Rebase(-1));
    }

    [Fact]
    public void Crc32_matches_the_standard_check_value()
    {
        // The file checksum is System.IO.Hashing's CRC-32 (zip/PNG); the standard check value pins the variant.
        Assert.Equal(0xCBF43926u, System.IO.Hashing.Crc32.HashToUInt32("123456789"u8));
    }
}
