using System.Runtime.Intrinsics;

namespace AgentMem.Retrieval.Vectors;

/// <summary>Distance kernels (hand-written 512/256-bit FMA loops, <see cref="TensorPrimitives"/> for cosine), each with a scalar reference twin for tests.</summary>
public static class VectorDistance
{
    /// <summary>Distance between two vectors of equal length under <paramref name="metric"/>; smaller is closer.</summary>
    public static float Compute(VectorMetric metric, ReadOnlySpan<float> a, ReadOnlySpan<float> b) => metric switch
    {
        VectorMetric.L2 => SquaredL2(a, b),
        VectorMetric.Cosine => 1f - TensorPrimitives.CosineSimilarity(a, b),
        VectorMetric.InnerProduct => -Dot(a, b),
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "Unknown metric."),
    };

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
    /// This and the width kernels are AggressiveInlining, not AggressiveOptimization: marked the latter, the
    /// 512-bit kernel stayed a call per distance in the HNSW search loop (seen with perf); the hot callers
    /// are themselves AggressiveOptimization, so the inlined kernels are optimised from the first call.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float SquaredL2(ref float a, ref float b, int length)
    {
        if (Vector512.IsHardwareAccelerated && length >= Vector512<float>.Count)
        {
            return SquaredL2512(ref a, ref b, length);
        }

        if (Vector256.IsHardwareAccelerated && length >= Vector256<float>.Count)
        {
            return SquaredL2256(ref a, ref b, length);
        }

        float sum = 0;
        for (int i = 0; i < length; i++)
        {
            float d = Unsafe.Add(ref a, i) - Unsafe.Add(ref b, i);
            sum += d * d;
        }

        return sum;
    }

    /// <summary>The 512-bit loop of <see cref="SquaredL2(ref float, ref float, int)"/>; the caller checks Vector512 is accelerated.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float SquaredL2512(ref float a, ref float b, int length)
    {
        int i = 0;
        var s0 = Vector512<float>.Zero;
        var s1 = Vector512<float>.Zero;
        var s2 = Vector512<float>.Zero;
        var s3 = Vector512<float>.Zero;
        for (; i <= length - 64; i += 64)
        {
            var d0 = Vector512.LoadUnsafe(ref a, (nuint)i) - Vector512.LoadUnsafe(ref b, (nuint)i);
            var d1 = Vector512.LoadUnsafe(ref a, (nuint)(i + 16)) - Vector512.LoadUnsafe(ref b, (nuint)(i + 16));
            var d2 = Vector512.LoadUnsafe(ref a, (nuint)(i + 32)) - Vector512.LoadUnsafe(ref b, (nuint)(i + 32));
            var d3 = Vector512.LoadUnsafe(ref a, (nuint)(i + 48)) - Vector512.LoadUnsafe(ref b, (nuint)(i + 48));
            s0 = Vector512.FusedMultiplyAdd(d0, d0, s0);
            s1 = Vector512.FusedMultiplyAdd(d1, d1, s1);
            s2 = Vector512.FusedMultiplyAdd(d2, d2, s2);
            s3 = Vector512.FusedMultiplyAdd(d3, d3, s3);
        }

        for (; i <= length - 16; i += 16)
        {
            var d = Vector512.LoadUnsafe(ref a, (nuint)i) - Vector512.LoadUnsafe(ref b, (nuint)i);
            s0 = Vector512.FusedMultiplyAdd(d, d, s0);
        }

        float sum = Vector512.Sum((s0 + s1) + (s2 + s3));
        for (; i < length; i++)
        {
            float d = Unsafe.Add(ref a, i) - Unsafe.Add(ref b, i);
            sum += d * d;
        }

        return sum;
    }

    /// <summary>The 256-bit loop of <see cref="SquaredL2(ref float, ref float, int)"/>; the caller checks Vector256 is accelerated.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float SquaredL2256(ref float a, ref float b, int length)
    {
        int i = 0;
        var s0 = Vector256<float>.Zero;
        var s1 = Vector256<float>.Zero;
        var s2 = Vector256<float>.Zero;
        var s3 = Vector256<float>.Zero;
        for (; i <= length - 32; i += 32)
        {
            var d0 = Vector256.LoadUnsafe(ref a, (nuint)i) - Vector256.LoadUnsafe(ref b, (nuint)i);
            var d1 = Vector256.LoadUnsafe(ref a, (nuint)(i + 8)) - Vector256.LoadUnsafe(ref b, (nuint)(i + 8));
            var d2 = Vector256.LoadUnsafe(ref a, (nuint)(i + 16)) - Vector256.LoadUnsafe(ref b, (nuint)(i + 16));
            var d3 = Vector256.LoadUnsafe(ref a, (nuint)(i + 24)) - Vector256.LoadUnsafe(ref b, (nuint)(i + 24));
            s0 = Vector256.FusedMultiplyAdd(d0, d0, s0);
            s1 = Vector256.FusedMultiplyAdd(d1, d1, s1);
            s2 = Vector256.FusedMultiplyAdd(d2, d2, s2);
            s3 = Vector256.FusedMultiplyAdd(d3, d3, s3);
        }

        for (; i <= length - 8; i += 8)
        {
            var d = Vector256.LoadUnsafe(ref a, (nuint)i) - Vector256.LoadUnsafe(ref b, (nuint)i);
            s0 = Vector256.FusedMultiplyAdd(d, d, s0);
        }

        float sum = Vector256.Sum((s0 + s1) + (s2 + s3));
        for (; i < length; i++)
        {
            float d = Unsafe.Add(ref a, i) - Unsafe.Add(ref b, i);
            sum += d * d;
        }

        return sum;
    }

    /// <summary>Dot product on <paramref name="length"/> floats from two references, unchecked (see <see cref="SquaredL2(ref float, ref float, int)"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Dot(ref float a, ref float b, int length)
    {
        if (Vector512.IsHardwareAccelerated && length >= Vector512<float>.Count)
        {
            return Dot512(ref a, ref b, length);
        }

        if (Vector256.IsHardwareAccelerated && length >= Vector256<float>.Count)
        {
            return Dot256(ref a, ref b, length);
        }

        float sum = 0;
        for (int i = 0; i < length; i++)
        {
            sum += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
        }

        return sum;
    }

    /// <summary>The 512-bit loop of <see cref="Dot(ref float, ref float, int)"/>; the caller checks Vector512 is accelerated.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Dot512(ref float a, ref float b, int length)
    {
        int i = 0;
        var s0 = Vector512<float>.Zero;
        var s1 = Vector512<float>.Zero;
        var s2 = Vector512<float>.Zero;
        var s3 = Vector512<float>.Zero;
        for (; i <= length - 64; i += 64)
        {
            s0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref a, (nuint)i), Vector512.LoadUnsafe(ref b, (nuint)i), s0);
            s1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref a, (nuint)(i + 16)), Vector512.LoadUnsafe(ref b, (nuint)(i + 16)), s1);
            s2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref a, (nuint)(i + 32)), Vector512.LoadUnsafe(ref b, (nuint)(i + 32)), s2);
            s3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref a, (nuint)(i + 48)), Vector512.LoadUnsafe(ref b, (nuint)(i + 48)), s3);
        }

        for (; i <= length - 16; i += 16)
        {
            s0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref a, (nuint)i), Vector512.LoadUnsafe(ref b, (nuint)i), s0);
        }

        float sum = Vector512.Sum((s0 + s1) + (s2 + s3));
        for (; i < length; i++)
        {
            sum += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
        }

        return sum;
    }

    /// <summary>The 256-bit loop of <see cref="Dot(ref float, ref float, int)"/>; the caller checks Vector256 is accelerated.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Dot256(ref float a, ref float b, int length)
    {
        int i = 0;
        var s0 = Vector256<float>.Zero;
        var s1 = Vector256<float>.Zero;
        var s2 = Vector256<float>.Zero;
        var s3 = Vector256<float>.Zero;
        for (; i <= length - 32; i += 32)
        {
            s0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref b, (nuint)i), s0);
            s1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref a, (nuint)(i + 8)), Vector256.LoadUnsafe(ref b, (nuint)(i + 8)), s1);
            s2 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref a, (nuint)(i + 16)), Vector256.LoadUnsafe(ref b, (nuint)(i + 16)), s2);
            s3 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref a, (nuint)(i + 24)), Vector256.LoadUnsafe(ref b, (nuint)(i + 24)), s3);
        }

        for (; i <= length - 8; i += 8)
        {
            s0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref b, (nuint)i), s0);
        }

        float sum = Vector256.Sum((s0 + s1) + (s2 + s3));
        for (; i < length; i++)
        {
            sum += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
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

    /// <summary>Throws <see cref="VectorFormatException"/> unless the vector has the dimension and only finite values.</summary>
    public static void Validate(ReadOnlySpan<float> vector, int dimension, string what = "vector")
    {
        if (vector.Length != dimension)
        {
            throw new VectorFormatException($"The {what} has {vector.Length} dimensions; the index holds {dimension}-dimensional vectors.");
        }

        for (int i = 0; i < vector.Length; i++)
        {
            if (!float.IsFinite(vector[i]))
            {
                throw new VectorFormatException($"The {what} has a non-finite value ({vector[i]}) at position {i}.");
            }
        }
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
