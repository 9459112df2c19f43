using System.Runtime.Intrinsics;

namespace AgentMem.Retrieval.Vectors;

public static partial class VectorDistance
{
    /// <summary>
    /// The operations the distance loop needs at one SIMD width. The runtime's own generic vector
    /// interface is internal, so the loop names these four; each is one intrinsic or two, inlined away.
    /// </summary>
    internal interface ILanes<TVector>
        where TVector : struct
    {
        static abstract TVector Load(ref float source, nuint offset);

        static abstract TVector Difference(ref float a, ref float b, nuint offset);

        static abstract TVector MultiplyAdd(TVector left, TVector right, TVector addend);

        /// <summary>The sum of every lane of the four accumulators, added pairwise first as the loops always have.</summary>
        static abstract float Sum(TVector s0, TVector s1, TVector s2, TVector s3);
    }

    /// <summary>What one metric adds to its sum for a pair of rows, a vector of lanes at a time or one float at a time.</summary>
    internal interface ITerm
    {
        static abstract TVector Accumulate<TLanes, TVector>(ref float a, ref float b, nuint offset, TVector sum)
            where TLanes : struct, ILanes<TVector>
            where TVector : struct;

        static abstract float Accumulate(float a, float b, float sum);
    }

    /// <summary>Squared L2: the square of each difference.</summary>
    internal readonly struct SquaredDifference : ITerm
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVector Accumulate<TLanes, TVector>(ref float a, ref float b, nuint offset, TVector sum)
            where TLanes : struct, ILanes<TVector>
            where TVector : struct
        {
            var d = TLanes.Difference(ref a, ref b, offset);
            return TLanes.MultiplyAdd(d, d, sum);
        }

        public static float Accumulate(float a, float b, float sum)
        {
            float d = a - b;
            return sum + (d * d);
        }
    }

    /// <summary>Dot product: the product of each pair.</summary>
    internal readonly struct Product : ITerm
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVector Accumulate<TLanes, TVector>(ref float a, ref float b, nuint offset, TVector sum)
            where TLanes : struct, ILanes<TVector>
            where TVector : struct =>
            TLanes.MultiplyAdd(TLanes.Load(ref a, offset), TLanes.Load(ref b, offset), sum);

        public static float Accumulate(float a, float b, float sum) => sum + (a * b);
    }

    /// <summary>512-bit lanes (AVX-512).</summary>
    internal readonly struct Lanes512 : ILanes<Vector512<float>>
    {
        public static Vector512<float> Load(ref float source, nuint offset) => Vector512.LoadUnsafe(ref source, offset);

        public static Vector512<float> Difference(ref float a, ref float b, nuint offset) => Vector512.LoadUnsafe(ref a, offset) - Vector512.LoadUnsafe(ref b, offset);

        public static Vector512<float> MultiplyAdd(Vector512<float> left, Vector512<float> right, Vector512<float> addend) => Vector512.FusedMultiplyAdd(left, right, addend);

        public static float Sum(Vector512<float> s0, Vector512<float> s1, Vector512<float> s2, Vector512<float> s3) => Vector512.Sum((s0 + s1) + (s2 + s3));
    }

    /// <summary>256-bit lanes (AVX2).</summary>
    internal readonly struct Lanes256 : ILanes<Vector256<float>>
    {
        public static Vector256<float> Load(ref float source, nuint offset) => Vector256.LoadUnsafe(ref source, offset);

        public static Vector256<float> Difference(ref float a, ref float b, nuint offset) => Vector256.LoadUnsafe(ref a, offset) - Vector256.LoadUnsafe(ref b, offset);

        public static Vector256<float> MultiplyAdd(Vector256<float> left, Vector256<float> right, Vector256<float> addend) => Vector256.FusedMultiplyAdd(left, right, addend);

        public static float Sum(Vector256<float> s0, Vector256<float> s1, Vector256<float> s2, Vector256<float> s3) => Vector256.Sum((s0 + s1) + (s2 + s3));
    }
}
