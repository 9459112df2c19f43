using System.Runtime.Intrinsics;
using AgentMem.MemoryCore.Validation;

namespace AgentMem.Retrieval.Vectors;

/// <summary>Distance kernels (one FMA loop per kernel, run at 512 or 256 bits, <see cref="TensorPrimitives"/> for cosine), each with a scalar reference twin for tests.</summary>
public static partial class VectorDistance
{
    /// <summary>
    /// The largest squared Euclidean length a vector may have (<see cref="Validate"/>): a quarter of
    /// <see cref="float.MaxValue"/>, a length of about 9.2·10¹⁸. Then every distance between two accepted vectors is
    /// finite in single precision: |a − b|² ≤ (|a| + |b|)² ≤ float.MaxValue, and |a·b| ≤ |a|·|b|. Past it, cosine
    /// normalised a vector to zeros (its norm was +∞) and an inner product could sum +∞ and −∞ to NaN.
    /// </summary>
    public const float MaxSquaredLength = float.MaxValue / 4;

    /// <summary>Distance between two vectors of equal length under <paramref name="metric"/>; smaller is closer.</summary>
    public static float Compute(VectorMetric metric, ReadOnlySpan<float> a, ReadOnlySpan<float> b) => metric switch
    {
        VectorMetric.L2 => SquaredL2(a, b),
        VectorMetric.Cosine => CosineDistance(a, b),
        VectorMetric.InnerProduct => NegatedDot(a, b),
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "Unknown metric."),
    };

    /// <summary>
    /// −a·b, the inner-product distance (smaller is closer), and +∞ where the sum is NaN (+∞ and −∞ terms, possible only
    /// past <see cref="MaxSquaredLength"/>): a NaN compares false with everything, so it sorted as the nearest match and
    /// was never displaced.
    /// </summary>
    internal static float NegatedDot(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => AsDistance(Dot(a, b));

    /// <summary><see cref="NegatedDot(ReadOnlySpan{float}, ReadOnlySpan{float})"/> on two references, unchecked (see <see cref="SquaredL2(ref float, ref float, int)"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float NegatedDot(ref float a, ref float b, int length) => AsDistance(Dot(ref a, ref b, length));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float AsDistance(float dot) => float.IsNaN(dot) ? float.PositiveInfinity : -dot;

    /// <summary>
    /// 1 − cosine similarity; 1 (orthogonal) when either vector is zero, as the scalar twin and the normalised HNSW path
    /// have it. <see cref="TensorPrimitives.CosineSimilarity(ReadOnlySpan{float}, ReadOnlySpan{float})"/> gives NaN there, and
    /// a NaN distance sorted as the nearest match and was never displaced.
    /// </summary>
    private static float CosineDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        float similarity = TensorPrimitives.CosineSimilarity(a, b);
        return float.IsNaN(similarity) ? 1f : 1f - similarity;
    }

    /// <summary>Squared Euclidean distance.</summary>
    /// <remarks>
    /// A fused multiply-add loop with four accumulators on 512-bit vectors (256-bit where AVX-512 is
    /// missing): for the short vectors of ANN search (128–1024 floats), faster than
    /// <see cref="TensorPrimitives.Distance"/>, which also takes a square root we would undo.
    /// </remarks>
    public static float SquaredL2(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException("The vectors have different lengths.", nameof(b));
        }

        return SquaredL2(ref MemoryMarshal.GetReference(a), ref MemoryMarshal.GetReference(b), a.Length);
    }

    /// <summary>Dot product; the same fused loop as <see cref="SquaredL2(ReadOnlySpan{float}, ReadOnlySpan{float})"/>.</summary>
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException("The vectors have different lengths.", nameof(b));
        }

        return Dot(ref MemoryMarshal.GetReference(a), ref MemoryMarshal.GetReference(b), a.Length);
    }

    /// <summary>
    /// <see cref="SquaredL2(ReadOnlySpan{float}, ReadOnlySpan{float})"/> on <paramref name="length"/> floats
    /// from two references, unchecked: the HNSW hot loop reads rows of its own storage, whose bounds it knows.
    /// </summary>
    /// <remarks>
    /// This and the loop it runs are AggressiveInlining, not AggressiveOptimization: marked the latter, the
    /// 512-bit kernel stayed a call per distance in the HNSW search loop (seen with perf); the hot callers
    /// are themselves AggressiveOptimization, so the inlined kernels are optimised from the first call.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float SquaredL2(ref float a, ref float b, int length) => Sum<SquaredDifference>(ref a, ref b, length);

    /// <summary>Dot product on <paramref name="length"/> floats from two references, unchecked (see <see cref="SquaredL2(ref float, ref float, int)"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Dot(ref float a, ref float b, int length) => Sum<Product>(ref a, ref b, length);

    /// <summary>The sum of <typeparamref name="TTerm"/> over the two rows, at the widest accelerated width that fits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Sum<TTerm>(ref float a, ref float b, int length)
        where TTerm : struct, ITerm =>
        Vector512.IsHardwareAccelerated && length >= Vector512<float>.Count ? Sum<TTerm, Lanes512, Vector512<float>>(ref a, ref b, length)
        : Vector256.IsHardwareAccelerated && length >= Vector256<float>.Count ? Sum<TTerm, Lanes256, Vector256<float>>(ref a, ref b, length)
        : Tail<TTerm>(ref a, ref b, 0, length, 0f);

    /// <summary>
    /// The distance loop, written once for both metrics and every width: four fused multiply-add accumulators over
    /// blocks of four vectors, then single vectors, then a scalar tail. The JIT compiles it apart for each
    /// <typeparamref name="TTerm"/> and <typeparamref name="TLanes"/> (structs), so the term's and the width's
    /// operations inline to the same instructions the hand-written loops per metric and width had. The caller checks
    /// the width is accelerated.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Sum<TTerm, TLanes, TVector>(ref float a, ref float b, int length)
        where TTerm : struct, ITerm
        where TLanes : struct, ILanes<TVector>
        where TVector : struct
    {
        int width = Unsafe.SizeOf<TVector>() / sizeof(float);
        int i = 0;
        TVector s0 = default, s1 = default, s2 = default, s3 = default;
        for (; i <= length - (4 * width); i += 4 * width)
        {
            s0 = TTerm.Accumulate<TLanes, TVector>(ref a, ref b, (nuint)i, s0);
            s1 = TTerm.Accumulate<TLanes, TVector>(ref a, ref b, (nuint)(i + width), s1);
            s2 = TTerm.Accumulate<TLanes, TVector>(ref a, ref b, (nuint)(i + (2 * width)), s2);
            s3 = TTerm.Accumulate<TLanes, TVector>(ref a, ref b, (nuint)(i + (3 * width)), s3);
        }

        for (; i <= length - width; i += width)
        {
            s0 = TTerm.Accumulate<TLanes, TVector>(ref a, ref b, (nuint)i, s0);
        }

        return Tail<TTerm>(ref a, ref b, i, length, TLanes.Sum(s0, s1, s2, s3));
    }

    /// <summary>
    /// Adds <typeparamref name="TTerm"/> of floats <paramref name="from"/> to <paramref name="length"/> to
    /// <paramref name="sum"/>, one at a time: the whole of the path without SIMD and the tail of the vector loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Tail<TTerm>(ref float a, ref float b, int from, int length, float sum)
        where TTerm : struct, ITerm
    {
        for (int i = from; i < length; i++)
        {
            sum = TTerm.Accumulate(Unsafe.Add(ref a, i), Unsafe.Add(ref b, i), sum);
        }

        return sum;
    }

    /// <summary>Scalar reference of <see cref="Compute"/>, in double precision; for tests only.</summary>
    public static float ComputeScalar(VectorMetric metric, ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, na = 0, nb = 0, l2 = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
            double diff = (double)a[i] - b[i];
            l2 += diff * diff;
        }

        return metric switch
        {
            VectorMetric.L2 => (float)l2,
            VectorMetric.Cosine => (float)(1 - (na == 0 || nb == 0 ? 0 : dot / Math.Sqrt(na * nb))),
            VectorMetric.InnerProduct => (float)-dot,
            _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "Unknown metric."),
        };
    }

    /// <summary>
    /// Throws <see cref="VectorFormatException"/> unless the vector has the dimension, only finite values and a squared
    /// length of at most <see cref="MaxSquaredLength"/> (<see cref="DescribeUnindexable"/>).
    /// </summary>
    public static void Validate(ReadOnlySpan<float> vector, int dimension, string what = "vector")
    {
        if (vector.Length != dimension)
        {
            throw new VectorFormatException($"The {what} has {vector.Length} dimensions; the index holds {dimension}-dimensional vectors.");
        }

        if (DescribeUnindexable(vector) is { } bad)
        {
            throw new VectorFormatException($"The {what} has {bad}.");
        }
    }

    /// <summary>
    /// Null when every index takes the vector's values; otherwise what is wrong with them: a non-finite value
    /// (<see cref="VectorValues.DescribeNonFinite"/>) or "a squared length of L, past <see cref="MaxSquaredLength"/> …".
    /// </summary>
    public static string? DescribeUnindexable(ReadOnlySpan<float> vector)
    {
        if (VectorValues.DescribeNonFinite(vector) is { } bad)
        {
            return bad;
        }

        if (TensorPrimitives.SumOfSquares(vector) <= MaxSquaredLength)
        {
            return null;
        }

        double squared = 0;
        foreach (float x in vector)
        {
            squared += (double)x * x; // in double for the message: the float sum may have overflowed to +∞
        }

        return string.Create(CultureInfo.InvariantCulture, $"a squared length of {squared:G4}, past {MaxSquaredLength} (a quarter of float.MaxValue): distances to it would overflow single precision; scale the vectors down");
    }

    /// <summary>Scales <paramref name="vector"/> in place to unit length (left as is if it is all zeros).</summary>
    public static void Normalize(Span<float> vector)
    {
        float norm = TensorPrimitives.Norm(vector);
        if (norm > 0)
        {
            TensorPrimitives.Divide(vector, norm, vector);
        }
    }
}
