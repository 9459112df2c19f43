using System.Numerics;
using System.Runtime.CompilerServices;

namespace AgentMem.ModelHost.Training;

/// <summary>
/// The frozen weights of a LLaMA model in the precision <typeparamref name="T"/> the training graph runs in: the model's own
/// float arrays when <typeparamref name="T"/> is float (no copy), converted copies otherwise (double, for gradient checks).
/// </summary>
internal sealed class ModelTensors<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private ModelTensors(LlamaConfig config, LlamaWeights w)
    {
        Config = config;
        int l = config.Layers, d = config.Dim, kv = config.KvDim, h = config.HiddenDim, v = config.VocabSize;
        Embedding = Convert(w.TokenEmbedding, (long)v * d, nameof(w.TokenEmbedding));
        RmsAtt = Convert(w.RmsAtt, (long)l * d, nameof(w.RmsAtt));
        Wq = Convert(w.Wq, (long)l * d * d, nameof(w.Wq));
        Wk = Convert(w.Wk, (long)l * kv * d, nameof(w.Wk));
        Wv = Convert(w.Wv, (long)l * kv * d, nameof(w.Wv));
        Wo = Convert(w.Wo, (long)l * d * d, nameof(w.Wo));
        RmsFfn = Convert(w.RmsFfn, (long)l * d, nameof(w.RmsFfn));
        W1 = Convert(w.W1, (long)l * h * d, nameof(w.W1));
        W2 = Convert(w.W2, (long)l * d * h, nameof(w.W2));
        W3 = Convert(w.W3, (long)l * h * d, nameof(w.W3));
        RmsFinal = Convert(w.RmsFinal, d, nameof(w.RmsFinal));
        Classifier = ReferenceEquals(w.Classifier, w.TokenEmbedding) ? Embedding : Convert(w.Classifier, (long)v * d, nameof(w.Classifier));
        if (config.QkvBias)
        {
            Bq = Convert(w.Bq ?? [], (long)l * d, nameof(w.Bq));
            Bk = Convert(w.Bk ?? [], (long)l * kv, nameof(w.Bk));
            Bv = Convert(w.Bv ?? [], (long)l * kv, nameof(w.Bv));
        }
    }

    public LlamaConfig Config { get; }

    public T[] Embedding { get; }

    public T[] RmsAtt { get; }

    public T[] Wq { get; }

    public T[] Wk { get; }

    public T[] Wv { get; }

    public T[] Wo { get; }

    public T[] RmsFfn { get; }

    public T[] W1 { get; }

    public T[] W2 { get; }

    public T[] W3 { get; }

    public T[] RmsFinal { get; }

    public T[] Classifier { get; }

    public T[]? Bq { get; }

    public T[]? Bk { get; }

    public T[]? Bv { get; }

    /// <summary>The weights of <paramref name="weights"/> in precision <typeparamref name="T"/>.</summary>
    /// <exception cref="ModelFormatException">A tensor's size does not match <paramref name="config"/>.</exception>
    public static ModelTensors<T> From(LlamaConfig config, LlamaWeights weights)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        return new ModelTensors<T>(config, weights);
    }

    /// <summary>The weight matrix of <paramref name="target"/> (all layers stacked).</summary>
    public T[] Matrix(LoraTarget target) => target switch
    {
        LoraTarget.Q => Wq,
        LoraTarget.K => Wk,
        LoraTarget.V => Wv,
        LoraTarget.O => Wo,
        LoraTarget.W1 => W1,
        LoraTarget.W2 => W2,
        _ => W3,
    };

    /// <summary>
    /// In float, <paramref name="stacked"/> ([layers × rows × cols]) with each layer transposed to [cols × rows], made on first
    /// use and kept: input gradients (Wᵀ·dy) then run through the same tiled product as the forward instead of a row-by-row
    /// multiply–add, at the cost of a second copy of the frozen matrices. Null in double, where the plain loop is kept.
    /// </summary>
    public T[]? Transposed(T[] stacked, int rows, int cols)
    {
        if (typeof(T) != typeof(float))
        {
            return null;
        }

        lock (transposed)
        {
            if (transposed.TryGetValue(stacked, out var cached))
            {
                return cached;
            }

            var t = new T[stacked.Length];
            int size = rows * cols;
            for (int offset = 0; offset < stacked.Length; offset += size)
            {
                for (int i = 0; i < rows; i++)
                {
                    for (int j = 0; j < cols; j++)
                    {
                        t[offset + (j * rows) + i] = stacked[offset + (i * cols) + j];
                    }
                }
            }

            transposed[stacked] = t;
            return t;
        }
    }

    private readonly Dictionary<T[], T[]> transposed = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// Bytes of the frozen weights of a model of <paramref name="c"/> while it trains in <typeparamref name="T"/>: the model's
    /// float32 arrays (biases and a separate classifier included), plus their converted copies in another precision.
    /// </summary>
    public static double WeightBytes(LlamaConfig c)
    {
        ArgumentNullException.ThrowIfNull(c);
        long l = c.Layers, d = c.Dim, kv = c.KvDim, h = c.HiddenDim, v = c.VocabSize;
        long values = (v * d * (c.SharedClassifier ? 1 : 2)) + (2 * l * d) + (2 * l * d * d) + (2 * l * kv * d) + (3 * l * h * d) + d
            + (c.QkvBias ? l * (d + (2 * kv)) : 0);
        return (double)values * (sizeof(float) + (typeof(T) == typeof(float) ? 0 : Unsafe.SizeOf<T>()));
    }

    /// <summary>
    /// Bytes of the copies <see cref="Transposed"/> makes once the backward pass has run: every projection (q, k, v, o, w1, w2,
    /// w3) and the classifier, as large as the matrices themselves; none in double.
    /// </summary>
    public static double TransposedBytes(LlamaConfig c)
    {
        ArgumentNullException.ThrowIfNull(c);
        if (typeof(T) != typeof(float))
        {
            return 0;
        }

        long l = c.Layers, d = c.Dim, kv = c.KvDim, h = c.HiddenDim, v = c.VocabSize;
        return (double)((v * d) + (l * ((2 * d * d) + (2 * kv * d) + (3 * h * d)))) * sizeof(float);
    }

    private static T[] Convert(float[] source, long expected, string name)
    {
        if (source.LongLength != expected)
        {
            throw new ModelFormatException($"weights: {name} has {source.LongLength} values; the configuration needs {expected}.");
        }

        if (typeof(T) == typeof(float))
        {
            return (T[])(object)source;
        }

        var converted = new T[source.Length];
        TensorPrimitives.ConvertChecked<float, T>(source, converted);
        return converted;
    }
}
