using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentMem.Retrieval.Hybrid.Reranking;

/// <summary>
/// A learned second stage for <see cref="HybridRetriever"/>: it rescores the hybrid's best candidates from named features of
/// each (the hybrid's own signals, their ranks, the memory's neighbours and session, the query with its names removed; see
/// <see cref="RerankFeatureNames"/>) with a linear term plus one hidden layer of rectified units, the features standardised
/// first. Models are JSON files written by <c>bench/Reranker/train.py</c> from features the benchmark dumps; the packaged one,
/// <see cref="ArcticLocomo"/>, was trained on LoCoMo conversations 1–5 for the arctic-embed-xs embedder.
/// </summary>
public sealed class RerankModel
{
    private const string ArcticLocomoResource = "AgentMem.Retrieval.Hybrid.Reranking.arctic-locomo.reranker.json";
    private static readonly Lazy<RerankModel> ArcticLocomoModel = new(() =>
    {
        using var stream = typeof(RerankModel).Assembly.GetManifestResourceStream(ArcticLocomoResource)
            ?? throw new InvalidOperationException($"The packaged reranker '{ArcticLocomoResource}' is missing from the assembly.");
        return Load(stream, "the packaged arctic-locomo reranker");
    });

    private readonly int[] featureIndex;
    private readonly float[] mean;
    private readonly float[] scale;
    private readonly float[] linear;
    private readonly float[][] hidden;
    private readonly float[] hiddenBias;
    private readonly float[] output;

    private RerankModel(string name, IReadOnlyList<string> features, float[] mean, float[] scale, float[] linear, float[][] hidden, float[] hiddenBias, float[] output)
    {
        Name = name;
        Features = features;
        featureIndex = features.Select(f => Array.IndexOf(RerankFeatureNames.All, f)).ToArray();
        this.mean = mean;
        this.scale = scale;
        this.linear = linear;
        this.hidden = hidden;
        this.hiddenBias = hiddenBias;
        this.output = output;
    }

    /// <summary>The model's name (from its file).</summary>
    public string Name { get; }

    /// <summary>The features the model reads, in its order (a subset of <see cref="RerankFeatureNames.All"/>).</summary>
    public IReadOnlyList<string> Features { get; }

    /// <summary>The packaged model for the arctic-embed-xs embedder (trained on LoCoMo conversations 1–5; see the README).</summary>
    public static RerankModel ArcticLocomo => ArcticLocomoModel.Value;

    /// <summary>Reads a model file.</summary>
    /// <exception cref="InvalidDataException">The file is not a reranker model (the message names the problem).</exception>
    public static RerankModel LoadFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var stream = File.OpenRead(path);
        return Load(stream, path);
    }

    /// <summary>Reads a model from JSON; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">The JSON is not a reranker model (the message names the problem).</exception>
    public static RerankModel Load(Stream json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        RerankModelFile? file;
        try
        {
            file = JsonSerializer.Deserialize<RerankModelFile>(json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not a reranker model ({e.Message}).", e);
        }

        if (file is null || file.Features is not { Count: > 0 } features)
        {
            throw new InvalidDataException($"{source}: a reranker model needs a non-empty 'features' list.");
        }

        foreach (string f in features)
        {
            if (Array.IndexOf(RerankFeatureNames.All, f) < 0)
            {
                throw new InvalidDataException($"{source}: unknown feature '{f}'; known: {string.Join(", ", RerankFeatureNames.All)}.");
            }
        }

        int n = features.Count;
        float[] mean = Vector(file.Mean, n, "mean", source);
        float[] scale = Vector(file.Scale, n, "scale", source);
        if (scale.Any(s => !(s > 0)))
        {
            throw new InvalidDataException($"{source}: every 'scale' must be positive.");
        }

        float[] linear = Vector(file.Linear, n, "linear", source);
        var hidden = (file.Hidden ?? []).Select((row, i) => Vector(row, n, $"hidden[{i}]", source)).ToArray();
        float[] hiddenBias = Vector(file.HiddenBias ?? [], hidden.Length, "hiddenBias", source);
        float[] output = Vector(file.Output ?? [], hidden.Length, "output", source);
        return new RerankModel(string.IsNullOrWhiteSpace(file.Name) ? Path.GetFileNameWithoutExtension(source) : file.Name, features, mean, scale, linear, hidden, hiddenBias, output);
    }

    /// <summary>
    /// The model's score for one candidate whose features (indexed as <see cref="RerankFeatureNames.All"/>) are given:
    /// infinite or not a number where the weights over the scales overflow float (the hybrid then keeps its fused order;
    /// the load checks no bound, since whether a score overflows depends on the features a search gives).
    /// </summary>
    public float Score(ReadOnlySpan<float> allFeatures)
    {
        if (allFeatures.Length != RerankFeatureNames.All.Length)
        {
            throw new ArgumentException($"Expected {RerankFeatureNames.All.Length} features.", nameof(allFeatures));
        }

        Span<float> x = featureIndex.Length <= 64 ? stackalloc float[featureIndex.Length] : new float[featureIndex.Length];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (allFeatures[featureIndex[i]] - mean[i]) / scale[i];
        }

        float score = TensorPrimitives.Dot(x, linear);
        for (int h = 0; h < hidden.Length; h++)
        {
            float unit = TensorPrimitives.Dot(x, hidden[h]) + hiddenBias[h];
            if (unit > 0)
            {
                score += unit * output[h];
            }
        }

        return score;
    }

    private static float[] Vector(List<float>? values, int length, string name, string source)
    {
        if (values is null || values.Count != length)
        {
            throw new InvalidDataException($"{source}: '{name}' must hold {length} numbers, one per feature or hidden unit (found {values?.Count ?? 0}).");
        }

        var v = values.ToArray();
        if (v.Any(f => !float.IsFinite(f)))
        {
            throw new InvalidDataException($"{source}: '{name}' holds a number that is not finite.");
        }

        return v;
    }

    /// <summary>The JSON shape of a model file.</summary>
    private sealed class RerankModelFile
    {
        [JsonPropertyName("name")]
        public string? Name { get; set; }

        [JsonPropertyName("features")]
        public List<string>? Features { get; set; }

        [JsonPropertyName("mean")]
        public List<float>? Mean { get; set; }

        [JsonPropertyName("scale")]
        public List<float>? Scale { get; set; }

        [JsonPropertyName("linear")]
        public List<float>? Linear { get; set; }

        [JsonPropertyName("hidden")]
        public List<List<float>>? Hidden { get; set; }

        [JsonPropertyName("hiddenBias")]
        public List<float>? HiddenBias { get; set; }

        [JsonPropertyName("output")]
        public List<float>? Output { get; set; }
    }
}
