using AgentMem.Retrieval.Vectors;

namespace AgentMem.Retrieval.Tests.Vectors;

public sealed class VectorDistanceTests
{
    [Theory]
    [InlineData(VectorMetric.L2)]
    [InlineData(VectorMetric.Cosine)]
    [InlineData(VectorMetric.InnerProduct)]
    public void Simd_kernels_match_their_scalar_twins(VectorMetric metric)
    {
        var random = new Random(21);
        foreach (int dimension in new[] { 1, 3, 7, 8, 16, 31, 128, 384, 1001 })
        {
            for (int trial = 0; trial < 20; trial++)
            {
                var a = new float[dimension];
                var b = new float[dimension];
                for (int i = 0; i < dimension; i++)
                {
                    a[i] = (float)(random.NextDouble() * 2 - 1);
                    b[i] = (float)(random.NextDouble() * 2 - 1);
                }

                float simd = VectorDistance.Compute(metric, a, b);
                float scalar = VectorDistance.ComputeScalar(metric, a, b);
                float tolerance = 1e-4f * Math.Max(1, Math.Abs(scalar)) * MathF.Sqrt(dimension);
                Assert.True(Math.Abs(simd - scalar) <= tolerance, $"{metric} d={dimension}: {simd} vs {scalar}");
            }
        }
    }

    [Fact]
    public void Known_values()
    {
        float[] a = [1, 0, 0];
        float[] b = [0, 2, 0];
        Assert.Equal(5f, VectorDistance.Compute(VectorMetric.L2, a, b), 1e-5f);
        Assert.Equal(1f, VectorDistance.Compute(VectorMetric.Cosine, a, b), 1e-5f);
        Assert.Equal(0f, VectorDistance.Compute(VectorMetric.Cosine, a, [3, 0, 0]), 1e-5f);
        Assert.Equal(-3f, VectorDistance.Compute(VectorMetric.InnerProduct, a, [3, 0, 0]), 1e-5f);
        var v = new float[] { 3, 4 };
        VectorDistance.Normalize(v);
        Assert.Equal([0.6f, 0.8f], v);
    }

    [Fact]
    public void Each_width_of_the_unchecked_kernels_matches_the_scalar_reference()
    {
        // Every length 1..200 (each tail path of the 4-way unrolled loops) and both aligned and unaligned
        // starts; each width runs only where the hardware accelerates it, the dispatcher always.
        var random = new Random(5);
        var a = new float[210];
        var b = new float[210];
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = (float)(random.NextDouble() * 2 - 1);
            b[i] = (float)(random.NextDouble() * 2 - 1);
        }

        for (int length = 1; length <= 200; length++)
        {
            foreach (int start in new[] { 0, 1, 3 })
            {
                var x = a.AsSpan(start, length);
                var y = b.AsSpan(start + 2, length);
                float l2 = VectorDistance.ComputeScalar(VectorMetric.L2, x, y);
                float dot = -VectorDistance.ComputeScalar(VectorMetric.InnerProduct, x, y);
                float tolerance = 1e-5f * length;
                ref float rx = ref x[0];
                ref float ry = ref y[0];
                Assert.InRange(VectorDistance.SquaredL2(ref rx, ref ry, length), l2 - tolerance, l2 + tolerance);
                Assert.InRange(VectorDistance.Dot(ref rx, ref ry, length), dot - tolerance, dot + tolerance);
                if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated && length >= 16)
                {
                    Assert.InRange(VectorDistance.Sum<VectorDistance.SquaredDifference, VectorDistance.Lanes512, System.Runtime.Intrinsics.Vector512<float>>(ref rx, ref ry, length), l2 - tolerance, l2 + tolerance);
                    Assert.InRange(VectorDistance.Sum<VectorDistance.Product, VectorDistance.Lanes512, System.Runtime.Intrinsics.Vector512<float>>(ref rx, ref ry, length), dot - tolerance, dot + tolerance);
                }

                if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated && length >= 8)
                {
                    Assert.InRange(VectorDistance.Sum<VectorDistance.SquaredDifference, VectorDistance.Lanes256, System.Runtime.Intrinsics.Vector256<float>>(ref rx, ref ry, length), l2 - tolerance, l2 + tolerance);
                    Assert.InRange(VectorDistance.Sum<VectorDistance.Product, VectorDistance.Lanes256, System.Runtime.Intrinsics.Vector256<float>>(ref rx, ref ry, length), dot - tolerance, dot + tolerance);
                }
            }
        }
    }
}
