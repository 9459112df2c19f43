using System.Globalization;

namespace AgentMem.ModelHost;

/// <summary>
/// Loader of Hugging Face transformers checkpoints of the LLaMA family — <c>config.json</c> plus <c>model.safetensors</c> or shards
/// listed in <c>model.safetensors.index.json</c> — for <c>model_type</c> <c>llama</c> (LLaMA, SmolLM, TinyLlama…) and <c>qwen2</c>
/// (q/k/v biases). Weights are converted to float32 (F32, F16 and BF16 are accepted); the q/k rows stay in Hugging Face order,
/// so the model uses <see cref="RopeStyle.Half"/> (rotate_half) RoPE with the config's <c>rope_theta</c> and <c>rms_norm_eps</c>
/// (RoPE settings are read at the top level and from transformers 5's <c>rope_parameters</c>, which must agree).
/// Anything the runtime would compute differently (rope scaling other than Llama 3.1's, other activations, o_proj/MLP biases, a head_dim that is not
/// hidden/heads, sliding windows) is refused with a <see cref="ModelFormatException"/> rather than loaded and run wrongly.
/// </summary>
public sealed class HuggingFaceCheckpoint
{
    private HuggingFaceCheckpoint(LlamaConfig config, LlamaWeights weights, string modelType)
    {
        Config = config;
        Weights = weights;
        ModelType = modelType;
    }

    /// <summary>The hyper-parameters from <c>config.json</c>.</summary>
    public LlamaConfig Config { get; }

    /// <summary>The weights (float32), stacked per layer like llama2.c's.</summary>
    public LlamaWeights Weights { get; }

    /// <summary>The config's <c>model_type</c> (<c>llama</c> or <c>qwen2</c>).</summary>
    public string ModelType { get; }

    /// <summary>Loads the checkpoint in <paramref name="folder"/>.</summary>
    /// <exception cref="ModelFormatException">Missing or malformed config or weights, unsupported architecture or dtype, missing tensors or wrong shapes.</exception>
    public static HuggingFaceCheckpoint Load(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        string configPath = Path.Combine(folder, "config.json");
        if (!File.Exists(configPath))
        {
            throw new ModelFormatException($"{folder}: no config.json; not a Hugging Face model folder.");
        }

        (LlamaConfig config, string modelType) = ReadConfig(configPath);
        var shards = OpenWeights(folder);
        try
        {
            var weights = ReadWeights(config, modelType, shards);
            return new HuggingFaceCheckpoint(config, weights, modelType);
        }
        finally
        {
            foreach (var shard in shards.Values.Distinct())
            {
                shard.Dispose();
            }
        }
    }

    private static (LlamaConfig Config, string ModelType) ReadConfig(string path)
    {
        JsonDocument doc = JsonFile.Parse(path);

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ModelFormatException($"{path}: not a JSON object.");
            }

            string modelType = String(root, "model_type") ?? string.Empty;
            string architectures = root.TryGetProperty("architectures", out var a) && a.ValueKind == JsonValueKind.Array
                ? string.Join(", ", a.EnumerateArray().Select(e => e.ToString())) : "(none)";
            if (modelType is not ("llama" or "qwen2"))
            {
                throw new ModelFormatException($"{path}: unsupported architecture: model_type '{modelType}' (architectures {architectures}); supported: llama (LLaMA, SmolLM), qwen2.");
            }

            int dim = Int(root, "hidden_size", path);
            int hidden = Int(root, "intermediate_size", path);
            int layers = Int(root, "num_hidden_layers", path);
            int heads = Int(root, "num_attention_heads", path);
            int kvHeads = OptionalInt(root, "num_key_value_heads", path) ?? heads;
            int vocab = Int(root, "vocab_size", path);
            int seqLen = OptionalInt(root, "max_position_embeddings", path) ?? 2048;
            float eps = (float)(Number(root, "rms_norm_eps", path) ?? 1e-6);
            if (!float.IsFinite(eps) || eps < 0f)
            {
                throw new ModelFormatException($"{path}: rms_norm_eps {eps.ToString(CultureInfo.InvariantCulture)} is not a finite number, zero or more.");
            }

            // transformers 5 saves rope_theta and the scaling only under rope_parameters; older configs at the top level.
            JsonElement? ropeParameters = root.TryGetProperty("rope_parameters", out var rp) && rp.ValueKind != JsonValueKind.Null ? rp : null;
            float theta = RopeTheta(root, ropeParameters, path);
            bool tied = root.TryGetProperty("tie_word_embeddings", out var tie) && tie.ValueKind == JsonValueKind.True;
            if (dim <= 0 || hidden <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || vocab <= 0 || seqLen <= 0
                || dim % heads != 0 || heads % kvHeads != 0 || (dim / heads) % 2 != 0)
            {
                throw new ModelFormatException($"{path}: inconsistent shape (hidden_size={dim} intermediate_size={hidden} layers={layers} heads={heads} kv_heads={kvHeads} vocab={vocab} max_position_embeddings={seqLen}).");
            }

            if (OptionalInt(root, "head_dim", path) is { } headDim && headDim != dim / heads)
            {
                throw new ModelFormatException($"{path}: head_dim {headDim} differs from hidden_size/num_attention_heads = {dim / heads}; not supported.");
            }

            string act = String(root, "hidden_act") ?? "silu";
            if (act != "silu")
            {
                throw new ModelFormatException($"{path}: hidden_act '{act}' is not supported (only silu / SwiGLU).");
            }

            RopeScaling? scaling = null;
            bool fromRopeScaling = root.TryGetProperty("rope_scaling", out var rs) && rs.ValueKind != JsonValueKind.Null;
            if (fromRopeScaling)
            {
                scaling = Scaling(rs, "rope_scaling", path);
            }

            if (ropeParameters is { } parameters)
            {
                RopeScaling? fromParameters = Scaling(parameters, "rope_parameters", path);
                if (fromRopeScaling && fromParameters != scaling)
                {
                    throw new ModelFormatException($"{path}: rope_scaling and rope_parameters describe different RoPE scalings.");
                }

                scaling = fromParameters;
            }

            foreach (string flag in new[] { "attention_bias", "mlp_bias", "use_sliding_window" })
            {
                if (root.TryGetProperty(flag, out var f) && f.ValueKind == JsonValueKind.True)
                {
                    throw new ModelFormatException($"{path}: {flag} = true is not supported.");
                }
            }

            var config = new LlamaConfig(dim, hidden, layers, heads, kvHeads, vocab, seqLen, tied)
            {
                RopeStyle = RopeStyle.Half,
                RopeBase = theta,
                NormEpsilon = eps,
                QkvBias = modelType == "qwen2",
                RopeScaling = scaling,
            };
            return (config, modelType);
        }
    }

    /// <summary>rope_theta from the top level and/or <paramref name="ropeParameters"/>; refused when the two disagree.</summary>
    private static float RopeTheta(JsonElement root, JsonElement? ropeParameters, string path)
    {
        double? topLevel = Number(root, "rope_theta", path);
        double? nested = ropeParameters is { ValueKind: JsonValueKind.Object } p ? Number(p, "rope_theta", path) : null;
        if (topLevel is { } t && nested is { } n && t != n)
        {
            throw new ModelFormatException($"{path}: rope_theta {t.ToString(CultureInfo.InvariantCulture)} differs from rope_parameters' rope_theta {n.ToString(CultureInfo.InvariantCulture)}.");
        }

        // 0, a negative or a float-overflowing base makes every RoPE frequency infinite or NaN, and so every logit.
        float theta = (float)(nested ?? topLevel ?? 10000);
        if (!float.IsFinite(theta) || theta <= 0f)
        {
            throw new ModelFormatException($"{path}: rope_theta {(nested ?? topLevel)?.ToString(CultureInfo.InvariantCulture)} is not a positive number a float holds.");
        }

        return theta;
    }

    /// <summary>The scaling a rope_scaling or rope_parameters entry (named <paramref name="key"/>) asks for; null for plain RoPE.</summary>
    private static RopeScaling? Scaling(JsonElement rs, string key, string path)
    {
        // A missing type (e.g. rope_parameters keyed by layer type) is refused rather than guessed.
        string kind = rs.ValueKind == JsonValueKind.Object ? String(rs, "rope_type") ?? String(rs, "type") ?? "?" : rs.ToString();
        return kind switch
        {
            "default" => null, // transformers' name for plain RoPE
            "llama3" => Llama3Scaling(rs, key, path),
            _ => throw new ModelFormatException($"{path}: {key} '{kind}' is not supported (plain RoPE and Llama 3.1's 'llama3' only)."),
        };
    }

    private static RopeScaling Llama3Scaling(JsonElement rs, string key, string path)
    {
        double Required(string name) => Number(rs, name, path) ?? throw new ModelFormatException($"{path}: {key} 'llama3' needs a number '{name}'.");

        return new RopeScaling(Required("factor"), Required("low_freq_factor"), Required("high_freq_factor"), (int)Required("original_max_position_embeddings"))
            .ValidatedFrom(path);
    }

    private static Dictionary<string, SafetensorsReader> OpenWeights(string folder)
    {
        string single = Path.Combine(folder, "model.safetensors");
        string index = Path.Combine(folder, "model.safetensors.index.json");
        var byTensor = new Dictionary<string, SafetensorsReader>(StringComparer.Ordinal);
        if (File.Exists(single))
        {
            var reader = SafetensorsReader.Open(single);
            foreach (string name in reader.Tensors.Keys)
            {
                byTensor[name] = reader;
            }

            return byTensor;
        }

        if (!File.Exists(index))
        {
            throw new ModelFormatException($"{folder}: neither model.safetensors nor model.safetensors.index.json (pytorch_model.bin is not supported).");
        }

        var readers = new Dictionary<string, SafetensorsReader>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(index));
            if (!doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            {
                throw new ModelFormatException($"{index}: no weight_map object.");
            }

            foreach (var entry in map.EnumerateObject())
            {
                string file = entry.Value.GetString() ?? string.Empty;
                if (file.Length == 0 || Path.GetFileName(file) != file)
                {
                    throw new ModelFormatException($"{index}: tensor '{entry.Name}' maps to '{file}', which is not a file name in the folder.");
                }

                if (!readers.TryGetValue(file, out var reader))
                {
                    reader = SafetensorsReader.Open(Path.Combine(folder, file));
                    readers[file] = reader;
                }

                if (!reader.Tensors.ContainsKey(entry.Name))
                {
                    throw new ModelFormatException($"{index}: tensor '{entry.Name}' is mapped to {file}, which does not contain it.");
                }

                byTensor[entry.Name] = reader;
            }

            return byTensor;
        }
        catch (Exception e)
        {
            foreach (var r in readers.Values)
            {
                r.Dispose();
            }

            if (e is JsonException or InvalidOperationException)
            {
                throw new ModelFormatException($"{index}: malformed index ({e.Message}).", e);
            }

            throw;
        }
    }

    private static LlamaWeights ReadWeights(LlamaConfig c, string modelType, Dictionary<string, SafetensorsReader> shards)
    {
        long d = c.Dim, h = c.HiddenDim, kv = c.KvDim, l = c.Layers, v = c.VocabSize;
        if (v * d > Array.MaxLength || l * h * d > Array.MaxLength || l * d * d > Array.MaxLength)
        {
            throw new ModelFormatException("tensors larger than one .NET array are not supported (model too large for this runtime).");
        }

        void Read(string name, long[] shape, Span<float> destination)
        {
            if (!shards.TryGetValue(name, out var reader))
            {
                throw new ModelFormatException($"missing tensor '{name}' (model_type {modelType}); the safetensors files do not contain it.");
            }

            reader.Read(name, shape, destination);
        }

        float[] Stack(string suffix, long rows, long cols)
        {
            long size = rows * cols;
            var all = new float[l * size];
            for (int layer = 0; layer < l; layer++)
            {
                long[] shape = cols == 1 ? [rows] : [rows, cols];
                Read(string.Create(CultureInfo.InvariantCulture, $"model.layers.{layer}.{suffix}"), shape, all.AsSpan((int)(layer * size), (int)size));
            }

            return all;
        }

        var embedding = new float[v * d];
        Read("model.embed_tokens.weight", [v, d], embedding);
        var rmsAtt = Stack("input_layernorm.weight", d, 1);
        var wq = Stack("self_attn.q_proj.weight", d, d);
        var wk = Stack("self_attn.k_proj.weight", kv, d);
        var wv = Stack("self_attn.v_proj.weight", kv, d);
        var wo = Stack("self_attn.o_proj.weight", d, d);
        var rmsFfn = Stack("post_attention_layernorm.weight", d, 1);
        var w1 = Stack("mlp.gate_proj.weight", h, d);
        var w2 = Stack("mlp.down_proj.weight", d, h);
        var w3 = Stack("mlp.up_proj.weight", h, d);
        var rmsFinal = new float[d];
        Read("model.norm.weight", [d], rmsFinal);
        float[] classifier;
        if (c.SharedClassifier)
        {
            classifier = embedding;
        }
        else
        {
            classifier = new float[v * d];
            Read("lm_head.weight", [v, d], classifier);
        }

        var weights = new LlamaWeights(embedding, rmsAtt, wq, wk, wv, wo, rmsFfn, w1, w2, w3, rmsFinal, classifier);
        if (c.QkvBias)
        {
            weights = weights with { Bq = Stack("self_attn.q_proj.bias", d, 1), Bk = Stack("self_attn.k_proj.bias", kv, 1), Bv = Stack("self_attn.v_proj.bias", kv, 1) };
        }

        return weights;
    }

    private static string? String(JsonElement e, string name) => e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;

    private static int Int(JsonElement e, string name, string path)
    {
        if (!e.TryGetProperty(name, out var p) || p.ValueKind != JsonValueKind.Number || !p.TryGetInt32(out int value))
        {
            throw new ModelFormatException($"{path}: missing or non-integer '{name}'.");
        }

        return value;
    }

    /// <summary>
    /// An integer that may be absent (or null): null then. Present, it must be an int32, as <see cref="Int"/> asks:
    /// <c>2.0</c> or <c>4294967296</c> made <see cref="JsonElement.GetInt32"/> throw a FormatException naming no file.
    /// </summary>
    private static int? OptionalInt(JsonElement e, string name, string path) =>
        e.TryGetProperty(name, out var p) && p.ValueKind != JsonValueKind.Null ? Int(e, name, path) : null;

    /// <summary>A number that may be absent (null then); one a double cannot hold (<c>1e400</c>) is refused naming the file.</summary>
    private static double? Number(JsonElement e, string name, string path)
    {
        if (!e.TryGetProperty(name, out var p) || p.ValueKind != JsonValueKind.Number)
        {
            return null;
        }

        return p.TryGetDouble(out double value) && double.IsFinite(value) ? value : throw new ModelFormatException($"{path}: '{name}' is not a finite number.");
    }
}
