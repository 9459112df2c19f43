namespace AgentMem.ModelHost.Tests;

/// <summary>The runtime's newer kernels (rotate_half RoPE, batched MatMul, int8) against their scalar twins.</summary>
public sealed class RuntimeKernelTests
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

    private static double MaxRelDiff(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double max = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            max = Math.Max(max, Math.Abs(expected[i] - actual[i]) / Math.Max(1.0, Math.Abs(expected[i])));
        }

        return max;
    }

    [Theory]
    [InlineData(0, 8, 10000f)]
    [InlineData(5, 8, 10000f)]
    [InlineData(37, 16, 1e6f)]
    [InlineData(511, 64, 500000f)]
    public void RopeHalf_matches_transformers_formula(int position, int headSize, float theta)
    {
        var rng = new Random(position + headSize);
        var a = Random(rng, headSize * 3);
        var b = (float[])a.Clone();
        Kernels.Rope(a, position, headSize, theta, RopeStyle.Half);
        ScalarKernels.RopeHalf(b, position, headSize, theta);
        Assert.True(MaxRelDiff(b, a) < 2e-4, $"max diff {MaxRelDiff(b, a)}");
    }

    [Theory]
    [InlineData(3, 8)]
    [InlineData(100, 64)]
    public void Interleaved_rope_with_theta_is_the_permuted_half_rope(int position, int headSize)
    {
        // Permuting a head's elements (2i, 2i+1) → (i, i + half) turns the interleaved rotation into the rotate_half one.
        var rng = new Random(position);
        var v = Random(rng, headSize * 2);
        var interleaved = (float[])v.Clone();
        Kernels.Rope(interleaved, position, headSize, 1e6f, RopeStyle.Interleaved);
        var half = new float[v.Length];
        for (int h = 0; h < v.Length; h += headSize)
        {
            for (int i = 0; i < headSize / 2; i++)
            {
                half[h + i] = v[h + (2 * i)];
                half[h + i + (headSize / 2)] = v[h + (2 * i) + 1];
            }
        }

        Kernels.Rope(half, position, headSize, 1e6f, RopeStyle.Half);
        for (int h = 0; h < v.Length; h += headSize)
        {
            for (int i = 0; i < headSize / 2; i++)
            {
                Assert.Equal(interleaved[h + (2 * i)], half[h + i]);
                Assert.Equal(interleaved[h + (2 * i) + 1], half[h + i + (headSize / 2)]);
            }
        }
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 7, 5)]
    [InlineData(70, 33, 29)]
    [InlineData(130, 300, 96)] // several token tiles and row blocks, parallel
    public void MatMul_matches_scalar_and_row_by_row_MatVec(int tokens, int rows, int cols)
    {
        var rng = new Random((tokens * 1000) + rows);
        var w = Random(rng, rows * cols);
        var x = Random(rng, tokens * cols);
        var a = new float[tokens * rows];
        var b = new float[tokens * rows];
        Kernels.MatMul(a, w, x, tokens, rows, cols);
        ScalarKernels.MatMul(b, w, x, tokens, rows, cols);
        Assert.True(MaxRelDiff(b, a) < 1e-5, $"max diff {MaxRelDiff(b, a)}");

        var row = new float[rows];
        for (int t = 0; t < tokens; t++)
        {
            Kernels.MatVec(row, w, x.AsSpan(t * cols, cols));
            Assert.True(MaxRelDiff(row, a.AsSpan(t * rows, rows).ToArray()) < 1e-5);
        }
    }

    [Fact]
    public void MatMul_rejects_short_buffers()
    {
        Assert.Throws<ArgumentException>(() => Kernels.MatMul(new float[5], new float[6], new float[4], 2, 3, 2));
    }

    [Theory]
    [InlineData(4, 7)]
    [InlineData(33, 64)]
    [InlineData(300, 291)] // awkward width: vector body + scalar tail
    [InlineData(512, 512)] // parallel
    public void Int8_quantisation_error_is_within_half_a_step_and_kernel_matches_scalar(int rows, int cols)
    {
        var rng = new Random(rows + cols);
        var w = Random(rng, rows * cols, 0.2f);
        w[0] = 0; // an exact zero stays zero
        var q = new sbyte[w.Length];
        var scales = new float[rows];
        Kernels.QuantizeRows(w, rows, cols, q, scales);
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                float err = Math.Abs(w[(i * cols) + j] - (scales[i] * q[(i * cols) + j]));
                Assert.True(err <= (scales[i] * 0.5f) + 1e-7f, $"[{i},{j}] error {err} > scale/2 {scales[i] / 2}");
                Assert.InRange(q[(i * cols) + j], (sbyte)-127, (sbyte)127);
            }
        }

        Assert.Equal(0, q[0]);
        var x = Random(rng, cols);
        var a = new float[rows];
        var b = new float[rows];
        Kernels.MatVecInt8(a, q, scales, x);
        ScalarKernels.MatVecInt8(b, q, scales, x);
        Assert.True(MaxRelDiff(b, a) < 1e-5, $"max diff {MaxRelDiff(b, a)}");

        // Batched int8 product (dequantised per block) agrees with the int8 matvec.
        int tokens = 3;
        var xs = Random(rng, tokens * cols);
        var m = new float[tokens * rows];
        Kernels.MatMulInt8(m, q, scales, xs, tokens, rows, cols);
        for (int t = 0; t < tokens; t++)
        {
            Kernels.MatVecInt8(a, q, scales, xs.AsSpan(t * cols, cols));
            Assert.True(MaxRelDiff(a, m.AsSpan(t * rows, rows).ToArray()) < 1e-5);
        }
    }

    [Fact]
    public void All_zero_rows_quantise_to_zero_scale()
    {
        var q = new sbyte[8];
        var s = new float[2];
        Kernels.QuantizeRows(new float[8], 2, 4, q, s);
        Assert.Equal(new float[2], s);
        var o = new float[2];
        Kernels.MatVecInt8(o, q, s, new float[] { 1, 2, 3, 4 });
        Assert.Equal(new float[2], o);
    }
}
