using System.Buffers;
using System.Globalization;
using System.Numerics.Tensors;

namespace AgentMem.Retrieval.Embeddings.Bert;

/// <summary>
/// A BERT encoder on the CPU (post-LayerNorm, absolute positions, exact GELU), loaded from Hugging Face
/// safetensors weights. <see cref="Forward"/> returns the last hidden state. Immutable and thread-safe:
/// several sequences can run in parallel.
/// </summary>
public sealed class BertModel
{
    private readonly float[] _wordEmbeddings;
    private readonly float[] _positionEmbeddings;
    private readonly float[] _tokenTypeEmbeddings;
    private readonly float[] _embeddingNormWeight;
    private readonly float[] _embeddingNormBias;
    private readonly BertLayerWeights[] _layers;

    private BertModel(BertConfig config, BertWeightReader reader)
    {
        Config = config;
        int h = config.HiddenSize;
        _wordEmbeddings = reader.Read("embeddings.word_embeddings.weight", config.VocabSize, h);
        _positionEmbeddings = reader.Read("embeddings.position_embeddings.weight", config.MaxPositionEmbeddings, h);
        _tokenTypeEmbeddings = reader.Read("embeddings.token_type_embeddings.weight", config.TypeVocabSize, h);
        _embeddingNormWeight = reader.Read("embeddings.LayerNorm.weight", h);
        _embeddingNormBias = reader.Read("embeddings.LayerNorm.bias", h);
        _layers = new BertLayerWeights[config.NumHiddenLayers];
        for (int i = 0; i < _layers.Length; i++)
        {
            _layers[i] = reader.ReadLayer(i, config);
        }
    }

    /// <summary>The model's configuration.</summary>
    public BertConfig Config { get; }

    /// <summary>Loads the weights of <paramref name="config"/> from a safetensors file.</summary>
    /// <exception cref="ModelFormatException">The file is missing or corrupt, a tensor is missing, has the wrong shape or holds NaN/infinity.</exception>
    public static BertModel Load(BertConfig config, string safetensorsPath)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        using SafetensorsFile file = SafetensorsFile.Open(safetensorsPath);
        return new BertModel(config, new BertWeightReader(file));
    }

    /// <summary>Runs the encoder on one sequence and returns its last hidden state, [tokens × hidden] row-major.</summary>
    /// <param name="inputIds">Token ids, at most <see cref="BertConfig.MaxPositionEmbeddings"/>.</param>
    /// <param name="attentionMask">1 for tokens to attend to, 0 for padding; empty means all ones.</param>
    /// <param name="tokenTypeIds">Segment ids; empty means all zeros.</param>
    /// <param name="cancellationToken">Checked between layers.</param>
    /// <exception cref="EmbeddingInputException">The ids are empty, too many or out of range, or the mask or segment ids do not match them.</exception>
    public float[] Forward(ReadOnlySpan<int> inputIds, ReadOnlySpan<int> attentionMask = default, ReadOnlySpan<int> tokenTypeIds = default, CancellationToken cancellationToken = default)
    {
        int n = inputIds.Length, h = Config.HiddenSize, m = Config.IntermediateSize;
        ValidateInput(inputIds, attentionMask, tokenTypeIds);

        var hidden = new float[n * h];
        float[] q = ArrayPool<float>.Shared.Rent(n * h), k = ArrayPool<float>.Shared.Rent(n * h), v = ArrayPool<float>.Shared.Rent(n * h);
        float[] context = ArrayPool<float>.Shared.Rent(n * h), projected = ArrayPool<float>.Shared.Rent(n * h);
        float[] inner = ArrayPool<float>.Shared.Rent(n * m), scores = ArrayPool<float>.Shared.Rent(n);
        try
        {
            Embed(inputIds, tokenTypeIds, hidden);
            foreach (BertLayerWeights layer in _layers)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Span<float> hs = hidden, qs = q.AsSpan(0, n * h), ks = k.AsSpan(0, n * h), vs = v.AsSpan(0, n * h);
                Span<float> cs = context.AsSpan(0, n * h), ps = projected.AsSpan(0, n * h), ins = inner.AsSpan(0, n * m);
                BertKernels.Linear(hs, n, h, layer.QueryWeight, layer.QueryBias, h, qs);
                BertKernels.Linear(hs, n, h, layer.KeyWeight, layer.KeyBias, h, ks);
                BertKernels.Linear(hs, n, h, layer.ValueWeight, layer.ValueBias, h, vs);
                Attend(qs, ks, vs, attentionMask, n, scores.AsSpan(0, n), cs);

                // Post-LN residuals: h = LN(h + Wo·ctx); h = LN(h + W2·gelu(W1·h)).
                BertKernels.Linear(cs, n, h, layer.AttentionOutputWeight, layer.AttentionOutputBias, h, ps);
                TensorPrimitives.Add(hs, ps, hs);
                BertKernels.LayerNorm(hs, n, h, layer.AttentionNormWeight, layer.AttentionNormBias, (float)Config.LayerNormEps);
                BertKernels.Linear(hs, n, h, layer.IntermediateWeight, layer.IntermediateBias, m, ins);
                BertKernels.Gelu(ins);
                BertKernels.Linear(ins, n, m, layer.OutputWeight, layer.OutputBias, h, ps);
                TensorPrimitives.Add(hs, ps, hs);
                BertKernels.LayerNorm(hs, n, h, layer.OutputNormWeight, layer.OutputNormBias, (float)Config.LayerNormEps);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(q);
            ArrayPool<float>.Shared.Return(k);
            ArrayPool<float>.Shared.Return(v);
            ArrayPool<float>.Shared.Return(context);
            ArrayPool<float>.Shared.Return(projected);
            ArrayPool<float>.Shared.Return(inner);
            ArrayPool<float>.Shared.Return(scores);
        }

        return hidden;
    }

    private void ValidateInput(ReadOnlySpan<int> ids, ReadOnlySpan<int> mask, ReadOnlySpan<int> types)
    {
        if (ids.IsEmpty)
        {
            throw new EmbeddingInputException("The input has no tokens.");
        }

        if (ids.Length > Config.MaxPositionEmbeddings)
        {
            throw new EmbeddingInputException(string.Create(CultureInfo.InvariantCulture, $"The input has {ids.Length} tokens; the model takes at most {Config.MaxPositionEmbeddings}."));
        }

        if (!mask.IsEmpty && mask.Length != ids.Length)
        {
            throw new EmbeddingInputException(string.Create(CultureInfo.InvariantCulture, $"The attention mask has {mask.Length} entries for {ids.Length} tokens."));
        }

        if (!types.IsEmpty && types.Length != ids.Length)
        {
            throw new EmbeddingInputException(string.Create(CultureInfo.InvariantCulture, $"The token type ids have {types.Length} entries for {ids.Length} tokens."));
        }

        bool anyAttended = mask.IsEmpty;
        for (int t = 0; t < ids.Length; t++)
        {
            if ((uint)ids[t] >= (uint)Config.VocabSize)
            {
                throw new EmbeddingInputException(string.Create(CultureInfo.InvariantCulture, $"Token id {ids[t]} at position {t} is outside the vocabulary of {Config.VocabSize}."));
            }

            if (!types.IsEmpty && (uint)types[t] >= (uint)Config.TypeVocabSize)
            {
                throw new EmbeddingInputException(string.Create(CultureInfo.InvariantCulture, $"Token type id {types[t]} at position {t} is outside 0..{Config.TypeVocabSize - 1}."));
            }

            anyAttended |= !mask.IsEmpty && mask[t] != 0;
        }

        if (!anyAttended)
        {
            throw new EmbeddingInputException("The attention mask masks every token.");
        }
    }

    private void Embed(ReadOnlySpan<int> ids, ReadOnlySpan<int> types, Span<float> hidden)
    {
        int h = Config.HiddenSize;
        for (int t = 0; t < ids.Length; t++)
        {
            Span<float> row = hidden.Slice(t * h, h);
            int type = types.IsEmpty ? 0 : types[t];
            TensorPrimitives.Add(_wordEmbeddings.AsSpan(ids[t] * h, h), _positionEmbeddings.AsSpan(t * h, h), row);
            TensorPrimitives.Add(row, _tokenTypeEmbeddings.AsSpan(type * h, h), row);
        }

        BertKernels.LayerNorm(hidden, ids.Length, h, _embeddingNormWeight, _embeddingNormBias, (float)Config.LayerNormEps);
    }

    // Scaled dot-product attention per head; masked keys get −∞ so they take no weight after softmax.
    private void Attend(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, ReadOnlySpan<int> mask, int n, Span<float> scores, Span<float> context)
    {
        int h = Config.HiddenSize, d = Config.HeadSize;
        float scale = 1f / MathF.Sqrt(d);
        context.Clear();
        for (int head = 0; head < Config.NumAttentionHeads; head++)
        {
            int off = head * d;
            for (int i = 0; i < n; i++)
            {
                ReadOnlySpan<float> qi = q.Slice((i * h) + off, d);
                for (int j = 0; j < n; j++)
                {
                    scores[j] = !mask.IsEmpty && mask[j] == 0 ? float.NegativeInfinity : TensorPrimitives.Dot(qi, k.Slice((j * h) + off, d)) * scale;
                }

                BertKernels.Softmax(scores);
                Span<float> ci = context.Slice((i * h) + off, d);
                for (int j = 0; j < n; j++)
                {
                    if (scores[j] != 0)
                    {
                        TensorPrimitives.MultiplyAdd(v.Slice((j * h) + off, d), scores[j], ci, ci);
                    }
                }
            }
        }
    }
}
