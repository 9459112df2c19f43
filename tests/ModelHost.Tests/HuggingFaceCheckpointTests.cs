using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Text.Json;
using AgentMem.Common;
using Xunit.Abstractions;

namespace AgentMem.ModelHost.Tests;

/// <summary>Hugging Face folders (config.json + safetensors) written by the tests from tiny generated weights.</summary>
public sealed class HuggingFaceCheckpointTests : IDisposable
{
    private readonly ITestOutputHelper output;
    private readonly List<string> folders = [];

    public HuggingFaceCheckpointTests(ITestOutputHelper output) => this.output = output;

    public void Dispose()
    {
        foreach (string f in folders)
        {
            Directory.Delete(f, recursive: true);
        }
    }

    private string Write(LlamaConfig c, LlamaWeights w, string modelType, string dtype = "F32", int shards = 1)
    {
        string folder = TinyHf.WriteFolder(c, w, modelType, dtype, shards);
        folders.Add(folder);
        return folder;
    }

    private static readonly RopeScaling Llama3Tiny = new(Factor: 8, LowFrequencyFactor: 1, HighFrequencyFactor: 4, OriginalContext: 16);

    private static (LlamaConfig Config, LlamaWeights Weights, string ModelType, string DType) Variant(string name) => name switch
    {
        // LLaMA with grouped-query attention and a separate lm_head, float32.
        "llama" => (TinyHf.Config(tied: false), TinyHf.Weights(TinyHf.Config(tied: false), 11), "llama", "F32"),
        // SmolLM-like: LLaMA shape, tied embeddings, float16 storage.
        "smollm" => (TinyHf.Config(tied: true, eps: 1e-5f), TinyHf.Weights(TinyHf.Config(tied: true), 12, TinyHf.RoundF16), "llama", "F16"),
        // Qwen2-like: q/k/v biases, rope_theta 1e6, eps 1e-6, tied embeddings, bfloat16 storage.
        "qwen2" => (TinyHf.Config(tied: true, theta: 1e6f, eps: 1e-6f, bias: true), TinyHf.Weights(TinyHf.Config(tied: true, bias: true), 13, TinyHf.RoundBf16), "qwen2", "BF16"),
        // Llama 3.2-like: rope_theta 5e5 and 'llama3' RoPE scaling, tied embeddings, bfloat16. With head size 4 the two pairs
        // land in the blended band (wavelength 2π between 16/4 and 16/1) and the slow band (divided by the factor).
        "llama3" => (TinyHf.Config(tied: true, theta: 5e5f, scaling: Llama3Tiny), TinyHf.Weights(TinyHf.Config(tied: true), 14, TinyHf.RoundBf16), "llama", "BF16"),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [InlineData("llama")]
    [InlineData("smollm")]
    [InlineData("qwen2")]
    [InlineData("llama3")]
    public void Hf_folder_gives_the_logits_of_the_llama2c_layout_model_it_was_permuted_from(string variant)
    {
        var (config, weights, modelType, dtype) = Variant(variant);
        string folder = Write(config, weights, modelType, dtype);
        var hf = LlamaModel.Load(folder);
        Assert.Equal(RopeStyle.Half, hf.Config.RopeStyle);
        Assert.Equal(config.RopeBase, hf.Config.RopeBase);
        Assert.Equal(config.RopeScaling, hf.Config.RopeScaling);
        Assert.Equal(config.NormEpsilon, hf.Config.NormEpsilon);
        Assert.Equal(config.SharedClassifier, hf.Config.SharedClassifier);
        Assert.Equal(modelType == "qwen2", hf.Config.QkvBias);

        // The same weights in llama2.c layout (unpermuted q/k, interleaved RoPE) must give the same logits.
        var llama2c = new LlamaModel(config, weights);
        var expected = TinyHf.Logits(llama2c, TinyHf.Tokens);
        var actual = TinyHf.Logits(hf, TinyHf.Tokens);
        double diff = TinyHf.MaxDiff(expected, actual);
        output.WriteLine($"{variant} ({dtype}): max |HF − llama2.c layout| = {diff:E3}");
        Assert.True(diff < 1e-5, $"max diff {diff}");

        // Same weights, different layout and RoPE: the fingerprints must differ (a cartridge of one is refused by the other);
        // the llama2.c-layout model keeps the plain llama2.c fingerprint when it has llama2.c's defaults.
        Assert.NotEqual(llama2c.GetFingerprint(), hf.GetFingerprint());
        if (variant == "llama")
        {
            Assert.Equal(ModelFingerprint.Compute(config, weights), llama2c.GetFingerprint());
        }

        // Batched prefill on the HF model agrees too.
        var last = hf.Prefill(TinyHf.Tokens, 0, hf.CreateCache()).ToArray();
        Assert.True(TinyHf.MaxDiff([actual[^1]], [last]) < 1e-5);
    }

    [Fact]
    public void Llama3_rope_scaling_keeps_fast_pairs_divides_slow_ones_and_blends_between()
    {
        var r = new RopeScaling(Factor: 8, LowFrequencyFactor: 1, HighFrequencyFactor: 4, OriginalContext: 8192);
        // Wavelength 2π/f against 8192/4 = 2048 and 8192/1 = 8192.
        Assert.Equal(0.5, r.Scale(0.5)); // wavelength 12.6: fast, kept
        Assert.Equal(1e-4 / 8, r.Scale(1e-4), 15); // wavelength 62,832: slow, divided
        double f = 2 * Math.PI / 4096; // wavelength 4096: halfway, smooth = (8192/4096 − 1)/(4 − 1) = 1/3
        Assert.Equal(((2.0 / 3) * f / 8) + (f / 3), r.Scale(f), 15);
        Assert.Equal((float)(1e-4 / 8), r.Scale(1e-4f), 6);

        // In the tiny model: the same weights with and without the scaling give other logits, so the reference tests see it.
        var (config, weights, _, _) = Variant("llama3");
        double diff = TinyHf.MaxDiff(TinyHf.Logits(new LlamaModel(config, weights), TinyHf.Tokens), TinyHf.Logits(new LlamaModel(config with { RopeScaling = null }, weights), TinyHf.Tokens));
        output.WriteLine($"llama3 scaling on the tiny model: max |logit change| = {diff:E3}");
        Assert.True(diff > 1e-3, $"{diff}");
        Assert.NotEqual(new LlamaModel(config, weights).GetFingerprint(), new LlamaModel(config with { RopeScaling = null }, weights).GetFingerprint());
    }

    [Theory]
    [InlineData("llama3")]
    [InlineData("qwen2")]
    public void A_cartridge_rebased_with_the_models_rope_has_the_layer0_keys_of_its_tokens_at_their_new_positions(string variant)
    {
        var (config, weights, modelType, dtype) = Variant(variant);
        var model = LlamaModel.Load(Write(config, weights, modelType, dtype));
        int[] tokens = TinyHf.Tokens;
        const int Offset = 11;
        var at0 = model.CreateCache();
        var moved = model.CreateCache();
        for (int i = 0; i < tokens.Length; i++)
        {
            model.Forward(tokens[i], i, at0);
            model.ForwardAt(tokens[i], Offset + i, i, moved); // slot i, position Offset + i
        }

        var cartridge = KvCartridge.Export(model, at0, tokens);
        double Error(KvCartridge c, LlamaConfig? rope)
        {
            var cache = model.CreateCache();
            c.Rebase(Offset, rope).ImportInto(model, cache);
            return Enumerable.Range(0, tokens.Length).Max(i => TensorPrimitives.MaxMagnitude(Difference(cache.Key(0, i), moved.Key(0, i))));
        }

        // The file records the model's RoPE, so a cartridge read back re-bases right without the model.
        using var file = new MemoryStream();
        cartridge.WriteTo(file);
        var read = KvCartridge.Read(file.ToArray());
        Assert.Equal(RopeStyle.Half, read.RopeStyle);
        Assert.Equal(config.RopeScaling, read.RopeScaling);

        // A file from before the record says llama2.c's pairs: it still loads into its model, and re-bases right when given it.
        var legacy = KvCartridge.Read(WithoutRopeRecord(file.ToArray()));
        Assert.Equal(RopeStyle.Interleaved, legacy.RopeStyle);
        Assert.Null(legacy.RopeScaling);
        Assert.Equal(cartridge.Id.ToArray(), legacy.Id.ToArray()); // the record is not part of the id: the fingerprint already names the model

        // Layer 0's keys depend only on the token and its position, so a re-based key must be the key computed there.
        double own = Error(cartridge, model.Config), recorded = Error(read, null), legacyGiven = Error(legacy, model.Config), legacyAlone = Error(legacy, null);
        output.WriteLine($"{variant}: layer-0 key error re-based with the model's RoPE {own:E3}, with the recorded one {recorded:E3}; "
            + $"an old file with the model's {legacyGiven:E3}, alone (llama2.c's) {legacyAlone:E3}");
        Assert.True(own < 1e-4, $"{own}");
        Assert.Equal(own, recorded);
        Assert.Equal(own, legacyGiven);
        Assert.True(legacyAlone > 1e-2, $"{legacyAlone}");
    }

    [Fact]
    public void A_cartridge_file_keeps_the_models_rope_and_refuses_a_record_it_cannot_use()
    {
        var (config, weights, modelType, dtype) = Variant("llama3");
        string folder = Write(config, weights, modelType, dtype);
        var model = LlamaModel.Load(folder);
        var cache = model.CreateCache();
        for (int i = 0; i < TinyHf.Tokens.Length; i++)
        {
            model.Forward(TinyHf.Tokens[i], i, cache);
        }

        var cartridge = KvCartridge.Export(model, cache, TinyHf.Tokens);
        string path = Path.Combine(folder, "c.amkv");
        cartridge.Save(path);
        byte[] good = File.ReadAllBytes(path);
        Assert.Equal(cartridge.FileBytes, good.Length);
        Assert.Equal(KvCartridge.FileBytesFor(model.Config, TinyHf.Tokens.Length), good.Length);
        var header = KvCartridge.Inspect(path);
        Assert.Equal((RopeStyle.Half, model.Config.RopeScaling), (header.RopeStyle, header.RopeScaling));
        var loaded = KvCartridge.LoadInto(path, model, model.CreateCache());
        Assert.Equal(TinyHf.Tokens, loaded.Tokens);

        // A llama2.c model's file is laid out as before: style 0, no flags, no scaling block.
        var plain = Stories.Generator.CreateCartridge(Stories.Lily, Stories.Model.CreateCache());
        using var plainFile = new MemoryStream();
        plain.WriteTo(plainFile);
        byte[] plainBytes = plainFile.ToArray();
        Assert.Equal((0, 0), (BinaryPrimitives.ReadInt32LittleEndian(plainBytes.AsSpan(64)), BinaryPrimitives.ReadInt32LittleEndian(plainBytes.AsSpan(136))));
        var c = Stories.Model.Config;
        Assert.Equal(144 + (8L * plain.Count) + (2L * c.Layers * plain.Count * c.KvDim * 4) + 4, plainBytes.Length);

        // What cannot be used is refused with the file's name, checksum or not.
        Assert.Contains("RoPE style 2", Refused(Patched(good, b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(64), 2))), StringComparison.Ordinal);
        Assert.Contains("unusable RoPE scaling", Refused(Patched(good, b => BinaryPrimitives.WriteDoubleLittleEndian(b.AsSpan(144), 0.5))), StringComparison.Ordinal);
        Assert.Contains("unknown flags", Refused(Patched(good, b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(136), 4 | 2))), StringComparison.Ordinal);
        Assert.Contains("truncated", Refused(good[..160]), StringComparison.Ordinal);
        Assert.Contains("needs", Refused(WithoutRopeRecord(good)[..^1]), StringComparison.Ordinal); // the block's length counts

        // A record that disagrees with the model it claims is refused too (here: the scaling of another factor).
        string other = Path.Combine(folder, "other.amkv");
        File.WriteAllBytes(other, Patched(good, b => BinaryPrimitives.WriteDoubleLittleEndian(b.AsSpan(144), 4.0)));
        Assert.Equal(4.0, KvCartridge.Inspect(other).RopeScaling!.Factor);
        Assert.Throws<ModelFormatException>(() => KvCartridge.LoadInto(other, model, model.CreateCache()));

        string Refused(byte[] bytes)
        {
            string file = Path.Combine(folder, "bad.amkv");
            File.WriteAllBytes(file, bytes);
            var fromFile = Assert.Throws<ModelFormatException>(() => KvCartridge.Load(file));
            Assert.Contains(file, fromFile.Message, StringComparison.Ordinal);
            Assert.Throws<ModelFormatException>(() => KvCartridge.Read(bytes));
            return fromFile.Message;
        }
    }

    private static byte[] Patched(byte[] file, Action<byte[]> patch)
    {
        byte[] copy = [.. file];
        patch(copy);
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(copy.Length - 4), System.IO.Hashing.Crc32.HashToUInt32(copy.AsSpan(0, copy.Length - 4)));
        return copy;
    }

    /// <summary>The bytes an older build wrote: RoPE style 0, no scaling flag or block, the checksum recomputed.</summary>
    private static byte[] WithoutRopeRecord(byte[] file)
    {
        const int styleAt = 64, flagsAt = 136, headerEnd = 144, scalingBytes = 32;
        bool scaled = (BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(flagsAt)) & 2) != 0;
        byte[] old = scaled ? [.. file.AsSpan(0, headerEnd), .. file.AsSpan(headerEnd + scalingBytes)] : [.. file];
        BinaryPrimitives.WriteInt32LittleEndian(old.AsSpan(styleAt), 0);
        BinaryPrimitives.WriteInt32LittleEndian(old.AsSpan(flagsAt), BinaryPrimitives.ReadInt32LittleEndian(old.AsSpan(flagsAt)) & ~2);
        BinaryPrimitives.WriteUInt32LittleEndian(old.AsSpan(old.Length - 4), System.IO.Hashing.Crc32.HashToUInt32(old.AsSpan(0, old.Length - 4)));
        return old;
    }

    private static float[] Difference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var d = new float[a.Length];
        TensorPrimitives.Subtract(a, b, d);
        return d;
    }

    [Fact]
    public void A_default_rope_scaling_entry_is_plain_rope()
    {
        var (config, weights, modelType, dtype) = Variant("llama");
        string folder = Write(config, weights, modelType, dtype);
        string json = Path.Combine(folder, "config.json");
        File.WriteAllText(json, File.ReadAllText(json).Replace("\"rope_scaling\": null", "\"rope_scaling\": {\"rope_type\": \"default\"}", StringComparison.Ordinal));
        var model = LlamaModel.Load(folder);
        Assert.Null(model.Config.RopeScaling);
        Assert.Equal(TinyHf.Logits(LlamaModel.Load(Write(config, weights, modelType, dtype)), TinyHf.Tokens)[^1], TinyHf.Logits(model, TinyHf.Tokens)[^1]);
    }

    /// <summary>Rewrites a folder's config.json the way transformers 5 saves it: RoPE settings only under <c>rope_parameters</c>.</summary>
    private static void UseRopeParameters(string folder, string ropeParameters, bool keepTopLevelTheta = false)
    {
        string json = Path.Combine(folder, "config.json");
        var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(json))!.AsObject();
        node.Remove("rope_scaling");
        if (!keepTopLevelTheta)
        {
            node.Remove("rope_theta");
        }

        node["rope_parameters"] = System.Text.Json.Nodes.JsonNode.Parse(ropeParameters);
        File.WriteAllText(json, node.ToJsonString());
    }

    [Fact]
    public void Transformers_5_rope_parameters_set_theta_and_scaling_like_the_old_keys()
    {
        var (config, weights, modelType, dtype) = Variant("qwen2");
        string folder = Write(config, weights, modelType, dtype);
        UseRopeParameters(folder, """{"rope_type": "default", "rope_theta": 1000000.0}""");
        var model = LlamaModel.Load(folder);
        Assert.Equal(1e6f, model.Config.RopeBase);
        Assert.Null(model.Config.RopeScaling);
        Assert.Equal(TinyHf.Logits(LlamaModel.Load(Write(config, weights, modelType, dtype)), TinyHf.Tokens)[^1], TinyHf.Logits(model, TinyHf.Tokens)[^1]);

        // Llama 3.2's scaling read from rope_parameters is the same model as from rope_scaling.
        (config, weights, modelType, dtype) = Variant("llama3");
        folder = Write(config, weights, modelType, dtype);
        UseRopeParameters(folder, """{"rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 16}""");
        model = LlamaModel.Load(folder);
        Assert.Equal(5e5f, model.Config.RopeBase);
        Assert.Equal(config.RopeScaling, model.Config.RopeScaling);
        Assert.Equal(LlamaModel.Load(Write(config, weights, modelType, dtype)).GetFingerprint(), model.GetFingerprint());
    }

    [Fact]
    public void Rope_parameters_the_runtime_cannot_honour_or_that_contradict_the_top_level_keys_are_refused()
    {
        var (config, weights, modelType, dtype) = Variant("llama");
        foreach (var (parameters, keepTheta, expect) in new (string, bool, string)[]
        {
            ("""{"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0}""", false, "rope_parameters 'yarn'"),
            ("""{"rope_type": "llama3", "rope_theta": 10000.0, "factor": 8.0}""", false, "needs a number 'low_freq_factor'"),
            ("""{"rope_theta": 10000.0}""", false, "rope_parameters '?'"),
            ("""{"full_attention": {"rope_type": "default", "rope_theta": 10000.0}}""", false, "rope_parameters"),
            ("""{"rope_type": "default", "rope_theta": 1000000.0}""", true, "rope_theta"), // top level says 10000
        })
        {
            string folder = Write(config, weights, modelType, dtype);
            UseRopeParameters(folder, parameters, keepTheta);
            Assert.Contains(expect, Assert.Throws<ModelFormatException>(() => LlamaModel.Load(folder)).Message, StringComparison.Ordinal);
        }

        // rope_scaling and rope_parameters naming different scalings.
        string both = Write(config, weights, modelType, dtype);
        string json = Path.Combine(both, "config.json");
        File.WriteAllText(json, File.ReadAllText(json).Replace("\"rope_scaling\": null", "\"rope_scaling\": {\"rope_type\": \"default\"}, \"rope_parameters\": {\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 16}", StringComparison.Ordinal));
        Assert.Contains("rope_scaling", Assert.Throws<ModelFormatException>(() => LlamaModel.Load(both)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sharded_index_loads_the_same_model()
    {
        var (config, weights, modelType, dtype) = Variant("llama");
        var single = LlamaModel.Load(Write(config, weights, modelType, dtype));
        var sharded = LlamaModel.Load(Write(config, weights, modelType, dtype, shards: 3));
        Assert.Equal(TinyHf.Logits(single, TinyHf.Tokens)[^1], TinyHf.Logits(sharded, TinyHf.Tokens)[^1]);
        Assert.Equal(single.GetFingerprint(), sharded.GetFingerprint());
    }

    [Fact]
    public void Load_options_cap_context_and_quantise()
    {
        var (config, weights, modelType, dtype) = Variant("qwen2");
        string folder = Write(config, weights, modelType, dtype);
        var m = LlamaModel.Load(folder, new ModelLoadOptions { MaxSequenceLength = 8, Quantization = WeightQuantization.Int8PerRow });
        Assert.Equal(8, m.Config.SeqLen);
        Assert.Equal(WeightQuantization.Int8PerRow, m.Quantization);
        var f = LlamaModel.Load(folder);

        // A smaller cache is the same model: same fingerprint at every cap, so cartridges move between caps.
        var capped = LlamaModel.Load(folder, new ModelLoadOptions { MaxSequenceLength = 8 });
        Assert.Equal(f.GetFingerprint(), capped.GetFingerprint());
        Assert.Equal(f.GetFingerprint(), LlamaModel.Load(folder, new ModelLoadOptions { MaxSequenceLength = 1_000_000 }).GetFingerprint());
        Assert.Equal(f.Config.SeqLen, LlamaModel.Load(folder, new ModelLoadOptions { MaxSequenceLength = 1_000_000 }).Config.SeqLen);
        double diff = TinyHf.MaxDiff(TinyHf.Logits(f, TinyHf.Tokens), TinyHf.Logits(m, TinyHf.Tokens));
        output.WriteLine($"int8 vs f32 on tiny qwen2: max |logit diff| {diff:E3}");
        Assert.True(diff < 0.1, $"{diff}");
    }

    private static float[][] Fixture(string variant)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(ModelHostFixtures.Path("hf_reference_logits.json")));
        return [.. doc.RootElement.GetProperty(variant).EnumerateArray().Select(r => r.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray())];
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("smollm")]
    [InlineData("qwen2")]
    [InlineData("llama3")]
    public void Logits_match_committed_numpy_reference_fixture(string variant)
    {
        var (config, weights, modelType, dtype) = Variant(variant);
        var actual = TinyHf.Logits(LlamaModel.Load(Write(config, weights, modelType, dtype)), TinyHf.Tokens);
        double diff = TinyHf.MaxDiff(Fixture(variant), actual);
        output.WriteLine($"{variant}: max |logit − committed numpy fixture| = {diff:E3}");
        Assert.True(diff < 1e-4, $"max diff {diff}");
    }

    /// <summary>
    /// Runs Fixtures/hf_reference_forward.py (numpy, float64, transformers' formulas) on the folders; skipped, with the reason,
    /// without python3 and numpy. With AGENTMEM_REGENERATE_FIXTURES=1 it rewrites Fixtures/hf_reference_logits.json from the script's output.
    /// </summary>
    [SkippableFact]
    public void Logits_match_live_numpy_reference()
    {
        PythonReference.Require();
        var all = new Dictionary<string, float[][]>();
        foreach (string variant in new[] { "llama", "smollm", "qwen2", "llama3" })
        {
            var (config, weights, modelType, dtype) = Variant(variant);
            string folder = Write(config, weights, modelType, dtype);
            string outFile = Path.Combine(folder, "reference.json");
            PythonReference.Run(ModelHostFixtures.Path("hf_reference_forward.py"), folder, string.Join(",", TinyHf.Tokens), outFile);
            using var doc = JsonDocument.Parse(File.ReadAllText(outFile));
            float[][] reference = [.. doc.RootElement.GetProperty("logits").EnumerateArray().Select(r => r.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray())];
            var actual = TinyHf.Logits(LlamaModel.Load(folder), TinyHf.Tokens);
            double diff = TinyHf.MaxDiff(reference, actual);
            output.WriteLine($"{variant}: max |logit − numpy| = {diff:E3}");
            Assert.True(diff < 1e-4, $"{variant}: max diff {diff}");
            all[variant] = reference;
        }

        if (Environment.GetEnvironmentVariable("AGENTMEM_REGENERATE_FIXTURES") == "1")
        {
            File.WriteAllText(ModelHostFixtures.Path("hf_reference_logits.json"), JsonSerializer.Serialize(all));
        }
    }

    /// <summary><paramref name="json"/> with top-level <paramref name="key"/>'s value replaced by <paramref name="value"/>.</summary>
    private static string Setting(string json, string key, string value)
    {
        string edited = System.Text.RegularExpressions.Regex.Replace(json, $"\"{key}\": [^,\\n]+", $"\"{key}\": {value}");
        Assert.NotEqual(json, edited);
        return edited;
    }

    [Fact]
    public void Invalid_folders_fail_with_messages_naming_the_problem()
    {
        var (config, weights, modelType, _) = Variant("llama");
        string Good() => Write(config, weights, modelType);

        ModelFormatException Fails(string folder) => Assert.Throws<ModelFormatException>(() => LlamaModel.Load(folder));

        // Missing tensor.
        string f = Good();
        var tensors = TinyHf.HfTensors(config, weights);
        tensors.Remove("model.layers.1.mlp.up_proj.weight");
        TinyHf.WriteSafetensors(Path.Combine(f, "model.safetensors"), tensors.Select(kv => (kv.Key, kv.Value.Data, kv.Value.Shape, "F32")));
        Assert.Contains("model.layers.1.mlp.up_proj.weight", Fails(f).Message, StringComparison.Ordinal);

        // Wrong shape (k_proj written as if kv heads = heads).
        f = Good();
        tensors = TinyHf.HfTensors(config, weights);
        tensors["model.layers.0.self_attn.k_proj.weight"] = (new float[TinyHf.Dim * TinyHf.Dim], [TinyHf.Dim, TinyHf.Dim]);
        TinyHf.WriteSafetensors(Path.Combine(f, "model.safetensors"), tensors.Select(kv => (kv.Key, kv.Value.Data, kv.Value.Shape, "F32")));
        var e = Fails(f);
        Assert.Contains("model.layers.0.self_attn.k_proj.weight", e.Message, StringComparison.Ordinal);
        Assert.Contains("shape", e.Message, StringComparison.Ordinal);

        // Unsupported dtype.
        f = Good();
        tensors = TinyHf.HfTensors(config, weights);
        TinyHf.WriteSafetensors(Path.Combine(f, "model.safetensors"), tensors.Select(kv => (kv.Key, kv.Value.Data, kv.Value.Shape, kv.Key == "model.norm.weight" ? "I32" : "F32")));
        e = Fails(f);
        Assert.Contains("model.norm.weight", e.Message, StringComparison.Ordinal);
        Assert.Contains("I32", e.Message, StringComparison.Ordinal);

        // Truncated file.
        f = Good();
        string st = Path.Combine(f, "model.safetensors");
        byte[] bytes = File.ReadAllBytes(st);
        File.WriteAllBytes(st, bytes[..^10]);
        e = Fails(f);
        Assert.Contains("model.safetensors", e.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
        File.WriteAllBytes(st, bytes[..5]);
        Assert.Contains("too short", Fails(f).Message, StringComparison.Ordinal);

        // Unsupported architecture, rope scaling (another kind; llama3 without or with impossible factors), activation, and a head_dim the runtime cannot honour.
        foreach (var (edit, expect) in new (Func<string, string> Edit, string Expect)[]
        {
            (j => j.Replace("\"model_type\": \"llama\"", "\"model_type\": \"gpt2\"", StringComparison.Ordinal), "unsupported architecture"),
            (j => j.Replace("\"rope_scaling\": null", "\"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4.0}", StringComparison.Ordinal), "rope_scaling 'yarn'"),
            (j => j.Replace("\"rope_scaling\": null", "\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0}", StringComparison.Ordinal), "needs a number 'low_freq_factor'"),
            (j => j.Replace("\"rope_scaling\": null", "\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 4.0, \"high_freq_factor\": 1.0, \"original_max_position_embeddings\": 8192}", StringComparison.Ordinal), "low_freq_factor < high_freq_factor"),
            (j => j.Replace("\"silu\"", "\"gelu\"", StringComparison.Ordinal), "hidden_act 'gelu'"),
            (j => j.Replace("\"rope_scaling\": null", "\"rope_scaling\": null, \"head_dim\": 8", StringComparison.Ordinal), "head_dim 8"),
            (j => j.Replace("\"hidden_size\": 16,", string.Empty, StringComparison.Ordinal), "hidden_size"),
            (j => j[..^3], "not valid JSON"),

            // Optional integers that are not an int32 (a bare FormatException naming no file escaped), and RoPE and norm
            // settings that make every logit NaN or infinite (loaded without a word).
            (j => Setting(j, "num_key_value_heads", $"{TinyHf.KvHeads}.0"), "non-integer 'num_key_value_heads'"),
            (j => Setting(j, "max_position_embeddings", "4294967296"), "non-integer 'max_position_embeddings'"),
            (j => j.Replace("\"rope_scaling\": null", $"\"rope_scaling\": null, \"head_dim\": {TinyHf.Dim / TinyHf.Heads}.0", StringComparison.Ordinal), "non-integer 'head_dim'"),
            (j => Setting(j, "rope_theta", "0.0"), "rope_theta"),
            (j => Setting(j, "rope_theta", "-10000"), "rope_theta"),
            (j => Setting(j, "rope_theta", "1e39"), "rope_theta"),
            (j => Setting(j, "rms_norm_eps", "-1e-05"), "rms_norm_eps"),
            (j => Setting(j, "rms_norm_eps", "1e400"), "rms_norm_eps"),
        })
        {
            f = Good();
            string cfg = Path.Combine(f, "config.json");
            File.WriteAllText(cfg, edit(File.ReadAllText(cfg)));
            string message = Fails(f).Message;
            Assert.Contains(expect, message, StringComparison.Ordinal);
            Assert.Contains("config.json", message, StringComparison.Ordinal);
        }

        // No weights, no config.
        f = Good();
        File.Delete(Path.Combine(f, "model.safetensors"));
        Assert.Contains("model.safetensors", Fails(f).Message, StringComparison.Ordinal);
        File.Delete(Path.Combine(f, "config.json"));
        Assert.Contains("config.json", Fails(f).Message, StringComparison.Ordinal);

        // A shard index pointing at a file that lacks the tensor.
        f = Write(config, weights, modelType, shards: 2);
        string index = Path.Combine(f, "model.safetensors.index.json");
        var map = JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, string>>>(File.ReadAllText(index).Replace("{\"total_size\":0}", "{}", StringComparison.Ordinal))!;
        string owner = map["weight_map"]["model.norm.weight"];
        map["weight_map"]["model.norm.weight"] = owner.StartsWith("model-00001", StringComparison.Ordinal) ? "model-00002-of-00002.safetensors" : "model-00001-of-00002.safetensors";
        File.WriteAllText(index, JsonSerializer.Serialize(map));
        e = Fails(f);
        Assert.Contains("model.norm.weight", e.Message, StringComparison.Ordinal);
        Assert.Contains("does not contain it", e.Message, StringComparison.Ordinal);
    }
}
