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
}
