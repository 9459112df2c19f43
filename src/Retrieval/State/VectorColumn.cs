using System.Numerics.Tensors;

namespace AgentMem.Retrieval.State;

/// <summary>
/// A cube's embeddings by slot, L2-normalised, scored exactly.
/// </summary>
/// <remarks>
/// The hashing embedder's vectors are no longer IDF-weighted per cube: unweighted vectors rank LoCoMo exactly as well
/// (R@10 0.769 both ways, measured in one run), and they never change as the corpus grows, so they can be persisted
/// once per text and reused by every process.
/// </remarks>
internal sealed class VectorColumn : IDisposable
{
    private readonly int? annThreshold;
    private Spann.SpannIndex? ann;
    private string? annFolder;
    private float[] rows = [];
    private bool[] present = [];

    /// <summary>
    /// Creates an empty column. Above <paramref name="annThreshold"/> vectors, a SPANN index over the rows (keys: slots) is
    /// built once and then kept in step insert by insert and delete by delete.
    /// </summary>
    public VectorColumn(int? annThreshold = null) => this.annThreshold = annThreshold;

    /// <summary>Whether the column answers through its SPANN index.</summary>
    public bool UsesAnn => ann is not null;

    /// <summary>Vector length, 0 until the first vector arrives.</summary>
    public int Dimension { get; private set; }

    /// <summary>Slots holding a vector.</summary>
    public int Count { get; private set; }

    public long EstimatedBytes => (rows.Length * 4L) + present.Length;

    public bool Has(int slot) => slot < present.Length && present[slot];

    public ReadOnlySpan<float> Row(int slot) => rows.AsSpan(slot * Dimension, Dimension);

    /// <summary>Stores <paramref name="vector"/> (normalised here) for <paramref name="slot"/>, replacing any previous one.</summary>
    public void Set(int slot, ReadOnlySpan<float> vector)
    {
        if (Dimension == 0)
        {
            Dimension = vector.Length;
        }
        else if (vector.Length != Dimension)
        {
            throw new Vectors.VectorFormatException($"The cube's vectors have {Dimension} dimensions; this one has {vector.Length}. Was the embedder changed without re-embedding?");
        }

        Remove(slot);
        Ensure(slot);
        var row = rows.AsSpan(slot * Dimension, Dimension);
        vector.CopyTo(row);
        float norm = TensorPrimitives.Norm(row);
        if (norm > 0)
        {
            TensorPrimitives.Divide(row, norm, row);
        }

        present[slot] = true;
        Count++;

        if (ann is not null)
        {
            ann.Add(slot, row);
        }
        else if (annThreshold is { } threshold && Count > threshold)
        {
            BuildAnn();
        }
    }

    public void Remove(int slot)
    {
        if (!Has(slot))
        {
            return;
        }

        rows.AsSpan(slot * Dimension, Dimension).Clear();
        present[slot] = false;
        Count--;
        ann?.Remove(slot);
    }

    /// <summary>The query, normalised, as scored against this column.</summary>
    public static float[] PrepareQuery(ReadOnlySpan<float> raw)
    {
        var q = raw.ToArray();
        float norm = TensorPrimitives.Norm(q);
        if (norm > 0)
        {
            TensorPrimitives.Divide(q, norm, q);
        }

        return q;
    }

    /// <summary>Writes each present slot's similarity to <paramref name="query"/> (prepared) when at least <paramref name="minSimilarity"/>.</summary>
    public void ScoreExact(ReadOnlySpan<float> query, Span<float> scores, float minSimilarity)
    {
        if (query.Length != Dimension)
        {
            return;
        }

        int slots = Math.Min(present.Length, scores.Length);
        for (int s = 0; s < slots; s++)
        {
            if (present[s])
            {
                float sim = TensorPrimitives.Dot(query, rows.AsSpan(s * Dimension, Dimension));
                scores[s] = sim >= minSimilarity ? sim : 0;
            }
        }
    }

    /// <summary>The <paramref name="k"/> slots nearest to the prepared query through the SPANN index.</summary>
    public IEnumerable<int> SearchAnn(ReadOnlySpan<float> query, int k)
    {
        var matches = ann!.Search(query, Math.Min(k, Count));
        var slots = new int[matches.Count];
        for (int i = 0; i < slots.Length; i++)
        {
            slots[i] = (int)matches[i].Key;
        }

        return slots;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        ann?.Dispose();
        ann = null;
        if (annFolder is not null)
        {
            try
            {
                Directory.Delete(annFolder, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temporary folder is harmless.
            }
        }
    }

    private void BuildAnn()
    {
        var keys = new List<long>(Count);
        var data = new float[Count * Dimension];
        for (int s = 0; s < present.Length; s++)
        {
            if (present[s])
            {
                rows.AsSpan(s * Dimension, Dimension).CopyTo(data.AsSpan(keys.Count * Dimension));
                keys.Add(s);
            }
        }

        annFolder = Path.Combine(Path.GetTempPath(), "agentmem-ann-" + Guid.NewGuid().ToString("N"));
        ann = Spann.SpannIndex.Build(annFolder, Vectors.VectorMetric.InnerProduct, new Vectors.VectorRows<float>(Dimension, keys.Count, data), keys, new Spann.SpannOptions { VerifyPostingsOnOpen = false });
    }

    private void Ensure(int slot)
    {
        if (slot < present.Length)
        {
            return;
        }

        int size = Math.Max(slot + 1, Math.Max(64, present.Length * 2));
        Array.Resize(ref present, size);
        Array.Resize(ref rows, size * Dimension);
    }
}
