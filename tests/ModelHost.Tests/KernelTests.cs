namespace AgentMem.ModelHost.Tests;

/// <summary>Each vectorised kernel against its scalar twin, on random inputs of awkward (non-SIMD-multiple) lengths.</summary>
public sealed class KernelTests
{
    private static float[] Random(Random rng, int n, float scale = 1f)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = (float)((rng.NextDouble() * 2) - 1) * scale;
        }

        return a;
    }

    private static void Close(float[] expected, float[] actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            float scale = Math.Max(1f, Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * scale, $"[{i}] expected {expected[i]} got {actual[i]}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(291)]
    public void RmsNorm_matches_scalar(int n)
    {
        var rng = new Random(n);
        var x = Random(rng, n, 3f);
        var w = Random(rng, n);
        var a = new float[n];
        var b = new float[n];
        Kernels.RmsNorm(a, x, w);
        ScalarKernels.RmsNorm(b, x, w);
        Close(b, a, 1e-5f);

        // In place, as the final norm is used.
        var inPlace = (float[])x.Clone();
        Kernels.RmsNorm(inPlace, inPlace, w);
        Close(b, inPlace, 1e-5f);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(5, 13)]
    [InlineData(64, 64)]
    [InlineData(172, 64)]
    [InlineData(33, 517)]
    public void MatVec_matches_scalar(int rows, int cols)
    {
        var rng = new Random((rows * 1000) + cols);
        var w = Random(rng, rows * cols);
        var x = Random(rng, cols);
        var a = new float[rows];
        var b = new float[rows];
        Kernels.MatVec(a, w, x);
        ScalarKernels.MatVec(b, w, x);
        // Summation order differs (SIMD lanes); relative error grows like sqrt(cols)·eps.
        Close(b, a, 1e-4f);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(9)]
    [InlineData(200)]
    public void Softmax_matches_scalar_and_sums_to_one(int n)
    {
        var rng = new Random(n);
        var x = Random(rng, n, 30f);
        x[0] = 500f; // would overflow exp without the max shift
        var a = (float[])x.Clone();
        var b = (float[])x.Clone();
        Kernels.Softmax(a);
        ScalarKernels.Softmax(b);
        Close(b, a, 1e-6f);
        Assert.Equal(1.0, a.Sum(), 5);
        Assert.All(a, p => Assert.True(float.IsFinite(p) && p >= 0));
    }

    [Theory]
    [InlineData(0, 8)]
    [InlineData(1, 8)]
    [InlineData(37, 8)]
    [InlineData(511, 16)]
    [InlineData(4000, 128)]
    public void Rope_matches_double_precision_complex_rotation(int position, int headSize)
    {
        var rng = new Random(position + headSize);
        var v = Random(rng, headSize * 4);
        var a = (float[])v.Clone();
        var b = (float[])v.Clone();
        Kernels.Rope(a, position, headSize);
        ScalarKernels.Rope(b, position, headSize);
        // float angle (position · freq) loses ~position·eps radians; allow for it at large positions.
        Close(b, a, 1e-6f * Math.Max(8, position));

        // A rotation keeps each pair's length.
        for (int i = 0; i < v.Length; i += 2)
        {
            Assert.Equal(Math.Sqrt((v[i] * v[i]) + (v[i + 1] * v[i + 1])), Math.Sqrt((a[i] * a[i]) + (a[i + 1] * a[i + 1])), 4);
        }
    }

    [Fact]
    public void Rope_at_position_zero_is_identity()
    {
        var v = Random(new Random(1), 16);
        var a = (float[])v.Clone();
        Kernels.Rope(a, 0, 8);
        Assert.Equal(v, a);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(172)]
    public void SwiGlu_matches_scalar(int n)
    {
        var rng = new Random(n);
        var h1 = Random(rng, n, 8f);
        var h3 = Random(rng, n, 2f);
        var a = (float[])h1.Clone();
        var b = (float[])h1.Clone();
        Kernels.SwiGlu(a, h3, new float[n]);
        ScalarKernels.SwiGlu(b, h3);
        Close(b, a, 1e-5f);
    }
}

/// <summary>The parallel matrix–vector product is bit-identical to the serial one.</summary>
public sealed class ParallelMatVecTests
{
    [Theory]
    [InlineData(512, 288)]
    [InlineData(1000, 300)]
    [InlineData(32000, 288)]
    [InlineData(37, 5)]
    [InlineData(1, 7)]
    public void Parallel_rows_are_bit_identical_to_serial(int rows, int cols)
    {
        var rng = new Random(rows * 31 + cols);
        float[] w = new float[rows * cols];
        float[] x = new float[cols];
        for (int i = 0; i < w.Length; i++)
        {
            w[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        float[] serial = new float[rows], parallel = new float[rows], auto = new float[rows];
        Kernels.MatVecSerial(serial, w, x);
        Kernels.MatVecParallel(parallel, w, x);
        Kernels.MatVec(auto, w, x);
        for (int i = 0; i < rows; i++)
        {
            Assert.Equal(BitConverter.SingleToInt32Bits(serial[i]), BitConverter.SingleToInt32Bits(parallel[i]));
            Assert.Equal(BitConverter.SingleToInt32Bits(serial[i]), BitConverter.SingleToInt32Bits(auto[i]));
        }
    }

    [Fact]
    public void Parallel_path_rejects_a_short_matrix()
    {
        Assert.Throws<ArgumentException>(() => Kernels.MatVecParallel(new float[10], new float[49], new float[5]));
    }

    [Fact]
    public void Threshold_keeps_stories260K_serial_and_the_15M_projections_parallel()
    {
        Assert.True(512 * 64 < Kernels.ParallelMinWeights);
        Assert.True(288 * 288 >= Kernels.ParallelMinWeights);
    }
}
