namespace AgentMem.Retrieval.Embeddings;

/// <summary>
/// The embedded default embedder: needs no model file and no network, and is deterministic.
/// Features are the text's stemmed content words, adjacent word pairs, and character 3–5-grams of each
/// word (so typos and inflections still overlap); each is hashed (FNV-1a, 64-bit) to one of
/// <see cref="Dimension"/> buckets with a hashed sign, weighted by 1 + ln(tf) and, once fitted on a
/// corpus, by the bucket's inverse document frequency; the vector is L2-normalised.
/// It measures surface overlap, not meaning; a sentence model (OnnxSentenceEmbedder) or an HTTP
/// embedder can replace it behind the same interface.
/// </summary>
public sealed class HashingEmbedder : IEmbeddingGenerator<string, Embedding<float>>
{
    /// <summary>Default number of dimensions.</summary>
    public const int DefaultDimension = 1024;

    /// <summary>
    /// The features' version, first in every id its vectors are stored under: bumped when the same text gives other
    /// features (v3: letters outside the basic plane are letters in <see cref="TextAnalyzer"/>; v4: combining marks continue
    /// their word there; v5: a Greek final sigma is folded to the medial one there), so stored vectors are re-embedded.
    /// </summary>
    public const string Version = "hashing-v5";

    private const float WordWeight = 1.0f;
    private const float PairWeight = 0.7f;
    private const float GramWeight = 0.25f;
    private readonly float[]? idf;
    private readonly EmbeddingGeneratorMetadata metadata;

    /// <summary>Creates an unfitted embedder (every bucket weighs the same).</summary>
    public HashingEmbedder(int dimension = DefaultDimension)
        : this(dimension, null)
    {
    }

    private HashingEmbedder(int dimension, float[]? idf)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 16);
        Dimension = dimension;
        this.idf = idf;
        metadata = new EmbeddingGeneratorMetadata("agentmem-hashing", null, $"{Version}-{dimension}{(idf is null ? string.Empty : "-idf-" + WeightsHash(idf))}", dimension);
    }

    // The fitted weights' hash is part of the model id: stored vectors are keyed by it, and vectors made with other
    // weights (a fit on another corpus) must not be scored against this one's queries as if they were its own.
    private static string WeightsHash(float[] weights) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(weights.AsSpan())))[..12];

    /// <summary>Vector length.</summary>
    public int Dimension { get; }

    /// <summary>Whether bucket weights were fitted on a corpus.</summary>
    public bool IsFitted => idf is not null;

    /// <summary>A copy of this embedder whose bucket weights are the IDF of <paramref name="corpus"/>.</summary>
    public HashingEmbedder Fit(IEnumerable<string> corpus)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        var df = new int[Dimension];
        var seen = new bool[Dimension];
        var touched = new List<int>();
        int documents = 0;
        foreach (string text in corpus)
        {
            documents++;
            ForEachFeature(text, (bucket, _, _) =>
            {
                if (!seen[bucket])
                {
                    seen[bucket] = true;
                    touched.Add(bucket);
                }
            });
            foreach (int b in touched)
            {
                df[b]++;
                seen[b] = false;
            }

            touched.Clear();
        }

        var weights = new float[Dimension];
        for (int i = 0; i < Dimension; i++)
        {
            weights[i] = MathF.Log((1f + documents) / (1f + df[i])) + 1f;
        }

        return new HashingEmbedder(Dimension, weights);
    }

    /// <summary>Writes the embedding of <paramref name="text"/> into <paramref name="destination"/> (length <see cref="Dimension"/>).</summary>
    public void Embed(string text, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (destination.Length != Dimension)
        {
            throw new VectorFormatException($"The destination has {destination.Length} dimensions; this embedder writes {Dimension}.");
        }

        destination.Clear();
        var counts = new Dictionary<(int Bucket, float Sign), float>();
        ForEachFeature(text, (bucket, sign, weight) =>
        {
            var key = (bucket, sign);
            counts[key] = counts.GetValueOrDefault(key) + weight;
        });
        foreach (var ((bucket, sign), tf) in counts)
        {
            float w = (1f + MathF.Log(1f + tf)) * (idf is null ? 1f : idf[bucket]);
            destination[bucket] += sign * w;
        }

        VectorDistance.Normalize(destination);
    }

    /// <summary>The embedding of <paramref name="text"/> as a new array.</summary>
    public float[] Embed(string text)
    {
        var vector = new float[Dimension];
        Embed(text, vector);
        return vector;
    }

    /// <inheritdoc/>
    /// <exception cref="EmbeddingInputException">A text is empty or whitespace.</exception>
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var result = new GeneratedEmbeddings<Embedding<float>>();
        foreach (string value in values)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (string.IsNullOrWhiteSpace(value))
            {
                throw new EmbeddingInputException("Cannot embed empty text.");
            }

            result.Add(new Embedding<float>(Embed(value)) { ModelId = metadata.DefaultModelId, CreatedAt = DateTimeOffset.UtcNow });
        }

        return Task.FromResult(result);
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        EmbedderServices.Get(this, metadata, serviceType, serviceKey);

    /// <inheritdoc/>
    public void Dispose()
    {
    }

    private void ForEachFeature(string text, Action<int, float, float> visit)
    {
        string? previous = null;
        foreach (string word in TextAnalyzer.Words(text))
        {
            if (TextAnalyzer.IsStopWord(word))
            {
                continue;
            }

            string stem = TextAnalyzer.Stem(word);
            Visit(Hash("w:", stem), WordWeight, visit);
            if (previous is not null)
            {
                Visit(Hash("p:", string.Concat(previous, " ", stem)), PairWeight, visit);
            }

            previous = stem;
            string padded = string.Concat("<", word, ">");
            for (int n = 3; n <= 5; n++)
            {
                for (int i = 0; i + n <= padded.Length; i++)
                {
                    Visit(Hash("g:", padded.AsSpan(i, n)), GramWeight, visit);
                }
            }
        }
    }

    private void Visit(ulong hash, float weight, Action<int, float, float> visit) =>
        visit((int)(hash % (ulong)Dimension), (hash >> 63) == 0 ? 1f : -1f, weight);

    private static ulong Hash(string prefix, ReadOnlySpan<char> text)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in prefix)
        {
            h = (h ^ c) * 1099511628211UL;
        }

        foreach (char c in text)
        {
            h = (h ^ (c & 0xFFu)) * 1099511628211UL;
            h = (h ^ (uint)(c >> 8)) * 1099511628211UL;
        }

        // Final avalanche so the bucket (low bits) and sign (top bit) are independent.
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        return h;
    }
}
