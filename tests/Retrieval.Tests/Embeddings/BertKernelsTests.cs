using AgentMem.Retrieval.Embeddings.Bert;

namespace AgentMem.Retrieval.Tests.Embeddings;

/// <summary>Each SIMD kernel against its scalar double-precision twin, with tolerances.</summary>
public sealed class BertKernelsTests
{
    private static float[] RandomArray(Random r, int n, float scale = 1f)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = scale * (float)((r.NextDouble() * 2) - 1);
        }

        return a;
    }

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"element {i}: {expected[i]} vs {actual[i]}");
        }
    }

    [Theory]
    [InlineData(1, 7, 5)]
    [InlineData(5, 32, 64)]
    [InlineData(3, 384, 37)]
    public void Linear_matches_scalar(int rows, int inDim, int outDim)
    {
        var r = new Random(1);
        float[] x = RandomArray(r, rows * inDim), w = RandomArray(r, outDim * inDim, 0.2f), b = RandomArray(r, outDim);
        var fast = new float[rows * outDim];
        var slow = new float[rows * outDim];
        BertKernels.Linear(x, rows, inDim, w, b, outDim, fast);
        BertKernels.LinearScalar(x, rows, inDim, w, b, outDim, slow);
        AssertClose(slow, fast, 1e-5);
    }

    [Fact]
    public void LayerNorm_matches_scalar_and_normalises()
    {
        var r = new Random(2);
        const int Rows = 4, Dim = 48;
        float[] x = RandomArray(r, Rows * Dim, 5f), gamma = RandomArray(r, Dim), beta = RandomArray(r, Dim);
        for (int i = 0; i < x.Length; i++)
        {
            x[i] += 3; // an offset mean, so the centring matters
        }

        float[] fast = (float[])x.Clone(), slow = (float[])x.Clone();
        BertKernels.LayerNorm(fast, Rows, Dim, gamma, beta, 1e-12f);
        BertKernels.LayerNormScalar(slow, Rows, Dim, gamma, beta, 1e-12);
        AssertClose(slow, fast, 1e-5);

        float[] plain = (float[])x.Clone();
        BertKernels.LayerNorm(plain, Rows, Dim, Enumerable.Repeat(1f, Dim).ToArray(), new float[Dim], 1e-12f);
        double mean = plain.Take(Dim).Average();
        double variance = plain.Take(Dim).Select(v => (v - mean) * (v - mean)).Average();
        Assert.Equal(0, mean, 1e-5);
        Assert.Equal(1, variance, 1e-4);
    }

    [Fact]
    public void Softmax_matches_scalar_even_for_large_logits()
    {
        float[] logits = [1000f, 999f, -5f, 0f, 998.5f, float.NegativeInfinity];
        float[] fast = (float[])logits.Clone(), slow = (float[])logits.Clone();
        BertKernels.Softmax(fast);
        BertKernels.SoftmaxScalar(slow);
        AssertClose(slow, fast, 1e-6);
        Assert.Equal(1, fast.Sum(), 1e-5);
        Assert.Equal(0, fast[5]);
    }

    [Fact]
    public void Gelu_matches_scalar_over_a_wide_range()
    {
        var x = new float[2001];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = -10 + (i * 0.01f);
        }

        float[] fast = (float[])x.Clone(), slow = (float[])x.Clone();
        BertKernels.Gelu(fast);
        BertKernels.GeluScalar(slow);
        AssertClose(slow, fast, 1e-6);
        Assert.Equal(0.8413447f, slow[1100], 6); // gelu(1) = Φ(1)
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.5, 0.5204998778130465)]
    [InlineData(1.0, 0.8427007929497149)]
    [InlineData(-2.0, -0.9953222650189527)]
    [InlineData(3.5, 0.9999992569016276)]
    [InlineData(7.0, 1.0)]
    public void Erf_reference_and_fast_agree_with_known_values(double x, double expected)
    {
        Assert.Equal(expected, BertKernels.ErfSeries(x), 1e-14);
        Assert.Equal(expected, BertKernels.Erf(x), 1.5e-7);
    }
}
