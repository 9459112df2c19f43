using System.Numerics;

namespace AgentMem.Retrieval.Spann;

/// <summary>
/// A product quantiser (Jégou, Douze, Schmid, TPAMI 2011): the dimensions are cut into m contiguous
/// subspaces, each with 256 centroids fitted by k-means, and a vector is stored as one byte per
/// subspace. A query builds an m×256 table of partial distances once, after which the distance to any
/// code (asymmetric distance computation, ADC) is m table look-ups — what lets SPANN rank posting
/// entries in memory and read full-precision vectors from disk only for the best few.
/// </summary>
internal sealed class ProductQuantizer
{
    /// <summary>Centroids per subspace: one byte per subspace.</summary>
    public const int Centroids = 256;

    private readonly int[] starts;
    private readonly float[] centroids;
    private readonly float[] squaredNorms;

    private ProductQuantizer(int dimension, int subspaces, float[] centroids)
    {
        Dimension = dimension;
        Subspaces = subspaces;
        starts = new int[subspaces + 1];
        for (int j = 0; j <= subspaces; j++)
        {
            starts[j] = (int)((long)j * dimension / subspaces);
        }

        this.centroids = centroids;
        squaredNorms = new float[subspaces * Centroids];
        ComputeNorms();
    }

    public int Dimension { get; }

    /// <summary>m: subspaces, and bytes per code.</summary>
    public int Subspaces { get; }

    /// <summary>Floats in a distance table (<see cref="DistanceTable"/>).</summary>
    public int TableLength => Subspaces * Centroids;

    /// <summary>Bytes of the codebooks.</summary>
    public long MemoryBytes => (centroids.LongLength + squaredNorms.LongLength) * sizeof(float);

    /// <summary>
    /// Fits the codebooks on the rows <paramref name="sample"/> of <paramref name="data"/>: plain k-means
    /// (no balance term) per subspace, <paramref name="iterations"/> Lloyd passes, subspaces in parallel.
    /// </summary>
    public static ProductQuantizer Train(float[] data, int dimension, int[] sample, int subspaces, int iterations, int seed, ParallelOptions parallel)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(subspaces, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(subspaces, dimension);
        if (sample.Length < Centroids)
        {
            throw new ArgumentException($"A product quantiser needs at least {Centroids} training vectors; {sample.Length} were given.", nameof(sample));
        }

        var pq = new ProductQuantizer(dimension, subspaces, new float[Centroids * dimension]);
        var kmeans = new SpannOptions { BalanceLambda = 0, KMeansIterations = iterations, KMeansSample = sample.Length };
        var inner = new ParallelOptions { MaxDegreeOfParallelism = 1 };
        Parallel.For(0, subspaces, parallel, j =>
        {
            int from = pq.starts[j];
            int width = pq.starts[j + 1] - from;
            var slice = new float[sample.Length * width];
            for (int i = 0; i < sample.Length; i++)
            {
                data.AsSpan((int)(((long)sample[i] * dimension) + from), width).CopyTo(slice.AsSpan(i * width));
            }

            var rows = new int[sample.Length];
            for (int i = 0; i < rows.Length; i++)
            {
                rows[i] = i;
            }

            var groups = BalancedKMeans.Split(slice, width, rows, Centroids, kmeans, new Random(BalancedKMeans.DeterministicSeed(seed, 7, j)), inner);
            int spare = 0;
            for (int c = 0; c < Centroids; c++)
            {
                // An empty group (repeated vectors) takes a sample row, so every code byte decodes to something real.
                var mean = groups[c].Length > 0 ? BalancedKMeans.Mean(slice, width, groups[c]) : slice.AsSpan((spare++ % sample.Length) * width, width).ToArray();
                for (int t = 0; t < width; t++)
                {
                    pq.centroids[((from + t) * Centroids) + c] = mean[t];
                }
            }
        });
        pq.ComputeNorms(); // the codebooks were filled after construction
        return pq;
    }

    /// <summary>‖c‖² of every centroid in every subspace (the L2 expansion in <see cref="PartialDistances"/>).</summary>
    private void ComputeNorms()
    {
        Array.Clear(squaredNorms);
        for (int j = 0; j < Subspaces; j++)
        {
            var norms = squaredNorms.AsSpan(j * Centroids, Centroids);
            for (int t = starts[j]; t < starts[j + 1]; t++)
            {
                var column = centroids.AsSpan(t * Centroids, Centroids);
                for (int c = 0; c < Centroids; c++)
                {
                    norms[c] += column[c] * column[c];
                }
            }
        }
    }

    /// <summary>The code of <paramref name="vector"/>: the nearest centroid (L2) in every subspace.</summary>
    public void Encode(ReadOnlySpan<float> vector, Span<byte> code)
    {
        Span<float> distances = stackalloc float[Centroids];
        for (int j = 0; j < Subspaces; j++)
        {
            PartialDistances(vector, j, VectorMetric.L2, distances, withQueryNorm: false); // the argmin needs no ‖x‖²
            int best = 0;
            for (int c = 1; c < Centroids; c++)
            {
                if (distances[c] < distances[best])
                {
                    best = c;
                }
            }

            code[j] = (byte)best;
        }
    }

    /// <summary>The vector a code stands for (its centroids side by side).</summary>
    public void Decode(ReadOnlySpan<byte> code, Span<float> vector)
    {
        for (int j = 0; j < Subspaces; j++)
        {
            for (int t = starts[j]; t < starts[j + 1]; t++)
            {
                vector[t] = centroids[(t * Centroids) + code[j]];
            }
        }
    }

    /// <summary>
    /// The query's partial distances to every centroid, subspace by subspace: squared L2 for
    /// <see cref="VectorMetric.L2"/>, −dot otherwise (the index's kernel on normalised vectors), so that
    /// the sum over a code's entries is the kernel distance to the decoded vector.
    /// </summary>
    public void DistanceTable(ReadOnlySpan<float> query, VectorMetric metric, Span<float> table)
    {
        for (int j = 0; j < Subspaces; j++)
        {
            PartialDistances(query, j, metric, table.Slice(j * Centroids, Centroids), withQueryNorm: true);
        }
    }

    /// <summary>
    /// Distances of one subspace of <paramref name="x"/> to its 256 centroids. The codebook is stored
    /// dimension-major (for each dimension, its value in all 256 centroids), so the loop runs over
    /// centroids in SIMD lanes: a handful of dimensions per subspace would leave a per-centroid kernel
    /// mostly call overhead. Squared L2 is expanded as ‖c‖² − 2c·x + ‖x‖² (‖c‖² precomputed), so that, as for
    /// −dot, a zero coordinate of x costs nothing: hashing embeddings are about 95% zeros.
    /// </summary>
    private void PartialDistances(ReadOnlySpan<float> x, int subspace, VectorMetric metric, Span<float> into, bool withQueryNorm)
    {
        bool l2 = metric == VectorMetric.L2;
        if (l2)
        {
            squaredNorms.AsSpan(subspace * Centroids, Centroids).CopyTo(into);
        }
        else
        {
            into.Clear();
        }

        var acc = MemoryMarshal.Cast<float, Vector<float>>(into);
        float queryNorm = 0;
        for (int t = starts[subspace]; t < starts[subspace + 1]; t++)
        {
            float value = x[t];
            if (value == 0)
            {
                continue;
            }

            queryNorm += value * value;
            var column = MemoryMarshal.Cast<float, Vector<float>>(centroids.AsSpan(t * Centroids, Centroids));
            var weight = new Vector<float>(l2 ? -2f * value : -value);
            for (int c = 0; c < acc.Length; c++)
            {
                acc[c] += column[c] * weight;
            }
        }

        if (l2 && withQueryNorm)
        {
            var shift = new Vector<float>(queryNorm);
            for (int c = 0; c < acc.Length; c++)
            {
                acc[c] += shift;
            }
        }
    }

    /// <summary>The reference: one code's distance from the table, a plain loop (the twin of <see cref="Scan"/>).</summary>
    public static float Distance(ReadOnlySpan<float> table, ReadOnlySpan<byte> code)
    {
        float sum = 0;
        for (int j = 0; j < code.Length; j++)
        {
            sum += table[(j * Centroids) + code[j]];
        }

        return sum;
    }

    /// <summary>
    /// Distances of consecutive codes of <paramref name="subspaces"/> bytes each: four independent sums
    /// per code so the look-ups overlap, with no bounds checks in the loop.
    /// </summary>
    public static void Scan(ReadOnlySpan<float> table, ReadOnlySpan<byte> codes, int subspaces, Span<float> distances)
    {
        int count = codes.Length / subspaces;
        if (distances.Length < count || table.Length < subspaces * Centroids)
        {
            throw new ArgumentException("The distance buffer or the table is too short for the codes.");
        }

        ref float t = ref MemoryMarshal.GetReference(table);
        ref byte c = ref MemoryMarshal.GetReference(codes);
        int quads = subspaces & ~3;
        for (int i = 0; i < count; i++)
        {
            ref byte code = ref Unsafe.Add(ref c, i * subspaces);
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            int j = 0;
            for (; j < quads; j += 4)
            {
                s0 += Unsafe.Add(ref t, (j * Centroids) + Unsafe.Add(ref code, j));
                s1 += Unsafe.Add(ref t, ((j + 1) * Centroids) + Unsafe.Add(ref code, j + 1));
                s2 += Unsafe.Add(ref t, ((j + 2) * Centroids) + Unsafe.Add(ref code, j + 2));
                s3 += Unsafe.Add(ref t, ((j + 3) * Centroids) + Unsafe.Add(ref code, j + 3));
            }

            for (; j < subspaces; j++)
            {
                s0 += Unsafe.Add(ref t, (j * Centroids) + Unsafe.Add(ref code, j));
            }

            distances[i] = (s0 + s1) + (s2 + s3);
        }
    }

    /// <summary>Bytes <see cref="Write"/> produces.</summary>
    public int SerializedBytes => 8 + (centroids.Length * sizeof(float));

    /// <summary>Dimension, m, then the codebooks (little-endian float32, dimension-major: 256 values per dimension).</summary>
    public void Write(Span<byte> into)
    {
        BinaryPrimitives.WriteInt32LittleEndian(into, Dimension);
        BinaryPrimitives.WriteInt32LittleEndian(into[4..], Subspaces);
        MemoryMarshal.AsBytes(centroids.AsSpan()).CopyTo(into[8..]);
    }

    /// <summary>Reads what <see cref="Write"/> wrote; returns null when the header does not describe a valid quantiser.</summary>
    public static ProductQuantizer? Read(ReadOnlySpan<byte> from, out int bytes)
    {
        bytes = 0;
        if (from.Length < 8)
        {
            return null;
        }

        int dimension = BinaryPrimitives.ReadInt32LittleEndian(from);
        int subspaces = BinaryPrimitives.ReadInt32LittleEndian(from[4..]);
        if (dimension < 1 || subspaces < 1 || subspaces > dimension || from.Length < 8 + ((long)Centroids * dimension * sizeof(float)))
        {
            return null;
        }

        var books = MemoryMarshal.Cast<byte, float>(from.Slice(8, Centroids * dimension * sizeof(float))).ToArray();
        bytes = 8 + (books.Length * sizeof(float));
        return new ProductQuantizer(dimension, subspaces, books);
    }
}
