using System.Globalization;
using System.Numerics.Tensors;
using AgentMem.Retrieval.Embeddings.Tokenization;
using AgentMem.Retrieval.Vectors;
using Microsoft.Extensions.AI;

namespace AgentMem.Retrieval.Embeddings.Bert;

/// <summary>
/// Sentence embeddings from a local BERT model (sentence-transformers style): WordPiece tokenization,
/// the encoder, mean pooling over the attended tokens, L2 normalisation. Loads a Hugging Face model folder
/// with <c>config.json</c>, <c>model.safetensors</c> and <c>tokenizer.json</c> or <c>vocab.txt</c>.
/// </summary>
public sealed class BertSentenceEmbedder : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly BertSentenceEmbedderOptions _options;
    private readonly int _maxTokens;

    /// <summary>Wraps an already loaded model and tokenizer.</summary>
    /// <exception cref="ModelFormatException">The tokenizer has ids the model's vocabulary lacks.</exception>
    public BertSentenceEmbedder(BertModel model, WordPieceTokenizer tokenizer, BertSentenceEmbedderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        _options = options ?? new BertSentenceEmbedderOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.BatchSize, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxDegreeOfParallelism, 1, nameof(options));
        if (tokenizer.VocabularySize > model.Config.VocabSize)
        {
            throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture, $"The tokenizer has {tokenizer.VocabularySize} ids but the model only {model.Config.VocabSize}."));
        }

        Model = model;
        Tokenizer = tokenizer;
        _maxTokens = Math.Min(_options.MaxTokens ?? model.Config.MaxPositionEmbeddings, model.Config.MaxPositionEmbeddings);
        if (_maxTokens < 3)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.MaxTokens, "MaxTokens must be at least 3 ([CLS], one token, [SEP]).");
        }

        Metadata = new EmbeddingGeneratorMetadata("agentmem-bert", null, _options.ModelId ?? "bert", model.Config.HiddenSize);
    }

    /// <summary>The encoder.</summary>
    public BertModel Model { get; }

    /// <summary>The tokenizer.</summary>
    public WordPieceTokenizer Tokenizer { get; }

    /// <summary>Provider "agentmem-bert", the model id and the dimension.</summary>
    public EmbeddingGeneratorMetadata Metadata { get; }

    /// <summary>Length of every embedding (the hidden size).</summary>
    public int Dimension => Model.Config.HiddenSize;

    /// <summary>Loads a Hugging Face model folder.</summary>
    /// <exception cref="ModelFormatException">A file is missing or invalid; the message names it.</exception>
    public static BertSentenceEmbedder Load(string modelDirectory, BertSentenceEmbedderOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelDirectory);
        if (!Directory.Exists(modelDirectory))
        {
            throw new ModelFormatException($"The model folder '{modelDirectory}' does not exist.");
        }

        string configPath = Path.Combine(modelDirectory, "config.json");
        string weightsPath = Path.Combine(modelDirectory, "model.safetensors");
        string tokenizerJson = Path.Combine(modelDirectory, "tokenizer.json");
        string vocabTxt = Path.Combine(modelDirectory, "vocab.txt");
        var missing = new List<string>();
        if (!File.Exists(configPath))
        {
            missing.Add("config.json");
        }

        if (!File.Exists(weightsPath))
        {
            missing.Add("model.safetensors");
        }

        if (!File.Exists(tokenizerJson) && !File.Exists(vocabTxt))
        {
            missing.Add("tokenizer.json or vocab.txt");
        }

        if (missing.Count > 0)
        {
            throw new ModelFormatException($"The model folder '{modelDirectory}' lacks {string.Join(", ", missing)}.");
        }

        BertConfig config = BertConfig.Load(configPath);
        WordPieceTokenizer tokenizer = File.Exists(tokenizerJson) ? WordPieceTokenizer.FromTokenizerJson(tokenizerJson) : WordPieceTokenizer.FromVocabFile(vocabTxt);
        BertModel model = BertModel.Load(config, weightsPath);
        var effective = options ?? new BertSentenceEmbedderOptions();
        effective.ModelId ??= new DirectoryInfo(modelDirectory).Name;
        return new BertSentenceEmbedder(model, tokenizer, effective);
    }

    /// <summary>Embeds one text synchronously: a unit-length vector of <see cref="Dimension"/> floats.</summary>
    /// <exception cref="EmbeddingInputException">The text is empty or whitespace.</exception>
    public float[] Embed(string text, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<int> ids = Tokenize(text, 0);
        return Pool(Model.Forward(ToArray(ids), cancellationToken: cancellationToken), ids.Count);
    }

    /// <inheritdoc />
    /// <exception cref="EmbeddingInputException">A text is null, empty or whitespace.</exception>
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (options?.Dimensions is int dims && dims != Dimension)
        {
            throw new EmbeddingInputException(string.Create(CultureInfo.InvariantCulture, $"The model gives {Dimension}-dimensional embeddings; {dims} were asked for."));
        }

        var texts = new List<string>(values);

        // Tokenize everything first so a bad input fails before any compute is spent.
        var tokenized = new int[texts.Count][];
        long tokenCount = 0;
        for (int i = 0; i < texts.Count; i++)
        {
            tokenized[i] = ToArray(Tokenize(texts[i], i));
            tokenCount += tokenized[i].Length;
        }

        var vectors = new float[texts.Count][];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.MaxDegreeOfParallelism, CancellationToken = cancellationToken };
        for (int start = 0; start < texts.Count; start += _options.BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int end = Math.Min(texts.Count, start + _options.BatchSize);
            Parallel.For(start, end, parallel, i => vectors[i] = Pool(Model.Forward(tokenized[i], cancellationToken: cancellationToken), tokenized[i].Length));
        }

        var result = new GeneratedEmbeddings<Embedding<float>>(texts.Count)
        {
            Usage = new UsageDetails { InputTokenCount = tokenCount, TotalTokenCount = tokenCount },
        };
        DateTimeOffset now = DateTimeOffset.UtcNow;
        foreach (float[] vector in vectors)
        {
            result.Add(new Embedding<float>(vector) { ModelId = Metadata.DefaultModelId, CreatedAt = now });
        }

        return Task.FromResult(result);
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(EmbeddingGeneratorMetadata) ? Metadata
            : serviceType.IsInstanceOfType(this) ? this
            : serviceType.IsInstanceOfType(Model) ? Model
            : serviceType.IsInstanceOfType(Tokenizer) ? Tokenizer
            : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // Weights are managed arrays; nothing to release.
    }

    /// <summary>Mean over the (all attended) token rows, then unit length.</summary>
    internal float[] Pool(float[] hidden, int tokens)
    {
        int h = Dimension;
        var pooled = new float[h];
        for (int t = 0; t < tokens; t++)
        {
            TensorPrimitives.Add(pooled, hidden.AsSpan(t * h, h), pooled);
        }

        TensorPrimitives.Divide(pooled, tokens, pooled);
        VectorDistance.Normalize(pooled);
        return pooled;
    }

    private IReadOnlyList<int> Tokenize(string? text, int index)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new EmbeddingInputException(string.Create(CultureInfo.InvariantCulture, $"Input {index} is empty or whitespace; there is nothing to embed."));
        }

        IReadOnlyList<int> ids = Tokenizer.EncodeToIds(text, addSpecialTokens: true, maxLength: _maxTokens);
        return ids;
    }

    private static int[] ToArray(IReadOnlyList<int> ids)
    {
        var array = new int[ids.Count];
        for (int i = 0; i < array.Length; i++)
        {
            array[i] = ids[i];
        }

        return array;
    }
}
