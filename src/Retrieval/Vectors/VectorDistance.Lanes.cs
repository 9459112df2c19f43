using System.Runtime.Intrinsics;

namespace AgentMem.Retrieval.Vectors;

public static partial class VectorDistance
{
    /// <summary>
    /// The operations the distance loops need at one SIMD width. The runtime's own generic vector
    /// interface is internal, so the kernels name these four; each is one intrinsic, inlined away.
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
