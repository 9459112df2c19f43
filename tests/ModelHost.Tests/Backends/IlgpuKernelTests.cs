using AgentMem.ModelHost;
using AgentMem.ModelHost.Backends;
using AgentMem.ModelHost.Backends.Cpu;
using AgentMem.ModelHost.Backends.Ilgpu;

namespace AgentMem.ModelHost.Tests.Backends;

/// <summary>
/// Every ILGPU operation against the CPU backend on the same random inputs, on ILGPU's CPU accelerator (so CI runs every
/// kernel without a GPU). Tolerance: max |ilgpu − cpu| ≤ 1e-5 · max(1, max |cpu|) per operation (the sums run in another
/// order; int8 products the same). The "split" backend forces products and row sums to split their inner dimension and meet
/// by atomic adds, the path a GPU takes for large matrices.
/// </summary>
public sealed class IlgpuKernelTests : IClassFixture<IlgpuKernelTests.Backends>
{
    private const float Tolerance = 1e-5f;
    private readonly Backends backends;

    public IlgpuKernelTests(Backends backends) => this.backends = backends;

    public static TheoryData<bool> Paths => new() { false, true };

    [Theory]
    [MemberData(nameof(Paths))]
    public void RmsNorm_matches_cpu(bool split)
    {
        // 9 rows: more than the CPU accelerator's groups, so the kernel's grid-stride loop over rows runs too.
        var rng = new Random(1);
        float[] x = Random(rng, 9 * 200), gain = Random(rng, 200);
        var expected = Run(CpuBackend.Instance, b => Op(b, (o, xs, g) => b.RmsNorm(o, xs, g, 9, 1e-5f), 9 * 200, x, gain));
        var actual = Run(Gpu(split), b => Op(b, (o, xs, g) => b.RmsNorm(o, xs, g, 9, 1e-5f), 9 * 200, x, gain));
        AssertClose(expected, actual);
    }

    [Theory]
    [InlineData(1, false, false)]
    [InlineData(1, true, false)]
    [InlineData(6, false, false)]
    [InlineData(6, true, false)]
    [InlineData(9, true, false)]
    [InlineData(1, false, true)]
    [InlineData(6, true, true)]
    public void MatMul_matches_cpu(int tokens, bool split, bool quantized)
    {
        var rng = new Random(2);
        int layers = 2, rows = 37, cols = 300;
        var matrix = new WeightMatrix(Random(rng, layers * rows * cols), layers, rows, cols);
        if (quantized)
        {
            matrix = matrix.QuantizeInt8();
        }

        float[] x = Random(rng, tokens * cols);
        float[] Product(IComputeBackend b)
        {
            var w = b.Upload(matrix);
            using var xs = b.Upload((float[])x.Clone());
            using var o = b.Allocate(tokens * rows);
            b.MatMul(o.View, w, 1, xs.View, tokens);
            return Download(b, o);
        }

        AssertClose(Product(CpuBackend.Instance), Product(Gpu(split)));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void MatMulAdd_adds_the_product_to_the_residual(bool split)
    {
        var rng = new Random(3);
        int rows = 40, cols = 130, tokens = 5;
        var matrix = new WeightMatrix(Random(rng, rows * cols), 1, rows, cols);
        float[] x = Random(rng, tokens * cols), residual = Random(rng, tokens * rows);
        float[] Update(IComputeBackend b)
        {
            var w = b.Upload(matrix);
            using var xs = b.Upload((float[])x.Clone());
            using var r = b.Upload((float[])residual.Clone());
            using var scratch = b.Allocate(tokens * rows);
            b.MatMulAdd(r.View, w, 0, xs.View, tokens, scratch.View);
            return Download(b, r);
        }

        AssertClose(Update(CpuBackend.Instance), Update(Gpu(split)));
    }

    [Fact]
    public void Embed_matches_cpu()
    {
        var rng = new Random(4);
        float[] table = Random(rng, 10 * 8);
        int[] tokens = [3, 0, 9, 3];
        float[] Embedded(IComputeBackend b)
        {
            using var x = b.Allocate(tokens.Length * 8);
            b.Embed(x.View, table, tokens, 8);
            return Download(b, x);
        }

        Assert.Equal(Embedded(CpuBackend.Instance), Embedded(Gpu(false)));
    }

    [Theory]
    [InlineData(1, 0, RopeStyle.Interleaved, false, false, false)]
    [InlineData(1, 1500, RopeStyle.Interleaved, true, true, false)]
    [InlineData(5, 7, RopeStyle.Half, true, false, false)]
    [InlineData(5, 0, RopeStyle.Interleaved, false, true, false)]
    [InlineData(5, 1500, RopeStyle.Half, false, false, true)]
    public void AttentionInputs_match_cpu(int tokens, int startPosition, RopeStyle style, bool withBias, bool split, bool llama3Scaling)
    {
        var rng = new Random(5);
        var c = new LlamaConfig(Dim: 64, HiddenDim: 96, Layers: 2, Heads: 8, KvHeads: 2, VocabSize: 16, SeqLen: 2048, SharedClassifier: true)
        {
            RopeStyle = style,
            RopeBase = 500000f,
            RopeScaling = llama3Scaling ? new RopeScaling(Factor: 32, LowFrequencyFactor: 1, HighFrequencyFactor: 4, OriginalContext: 256) : null,
        };
        var parts = new[]
        {
            new WeightMatrix(Random(rng, c.Layers * c.Dim * c.Dim), c.Layers, c.Dim, c.Dim),
            new WeightMatrix(Random(rng, c.Layers * c.KvDim * c.Dim), c.Layers, c.KvDim, c.Dim),
            new WeightMatrix(Random(rng, c.Layers * c.KvDim * c.Dim), c.Layers, c.KvDim, c.Dim),
        };
        float[] x = Random(rng, tokens * c.Dim), bias = Random(rng, c.Layers * (c.Dim + (2 * c.KvDim)));
        float[] Inputs(IComputeBackend b)
        {
            var w = b.UploadStack(parts);
            using var xs = b.Upload((float[])x.Clone());
            using var bs = b.Upload((float[])bias.Clone());
            using var q = b.Allocate(tokens * c.Dim);
            using var kv = b.Allocate(2 * tokens * c.KvDim);
            int width = c.Dim + (2 * c.KvDim);
            b.AttentionInputs(new ProjectionArgs(xs.View, w, 1, withBias ? bs.Slice(width, width) : null, q.View, kv.Slice(0, tokens * c.KvDim), kv.Slice(tokens * c.KvDim, tokens * c.KvDim), tokens, startPosition, c));
            return [.. Download(b, q), .. Download(b, kv)];
        }

        AssertClose(Inputs(CpuBackend.Instance), Inputs(Gpu(split)));
    }

    [Theory]
    [InlineData(1, false, false)]
    [InlineData(1, true, true)]
    [InlineData(6, true, false)]
    [InlineData(6, false, true)]
    public void GatedFeedForward_matches_cpu(int tokens, bool split, bool quantized)
    {
        var rng = new Random(7);
        int dim = 72, hidden = 150;
        var w1 = new WeightMatrix(Random(rng, 2 * hidden * dim), 2, hidden, dim);
        var w3 = new WeightMatrix(Random(rng, 2 * hidden * dim), 2, hidden, dim);
        if (quantized)
        {
            (w1, w3) = (w1.QuantizeInt8(), w3.QuantizeInt8());
        }

        float[] x = Random(rng, tokens * dim);
        float[] Gated(IComputeBackend b)
        {
            var w = b.UploadStack([w1, w3]);
            using var xs = b.Upload((float[])x.Clone());
            using var h = b.Allocate(tokens * hidden);
            using var scratch = b.Allocate(tokens * hidden);
            b.GatedFeedForward(h.View, w, 1, xs.View, tokens, scratch.View);
            return Download(b, h);
        }

        AssertClose(Gated(CpuBackend.Instance), Gated(Gpu(split)));
    }

    [Theory]
    [InlineData(1, 0, true)]
    [InlineData(1, 40, false)]
    [InlineData(1, 40, true)]
    [InlineData(7, 0, false)]
    [InlineData(5, 11, true)]
    [InlineData(5, 11, false)]
    public void Attention_matches_cpu_with_grouped_query_heads(int tokens, int startSlot, bool observed)
    {
        // Observed: softmax, weights to the host, then the weighted sum; unobserved: softmax folded into the weighted sum.
        var rng = new Random(6);
        var config = new LlamaConfig(Dim: 64, HiddenDim: 96, Layers: 1, Heads: 8, KvHeads: 2, VocabSize: 16, SeqLen: 64, SharedClassifier: true);
        float[] q = Random(rng, tokens * config.Dim), keys = Random(rng, config.SeqLen * config.KvDim), values = Random(rng, config.SeqLen * config.KvDim);
        var seen = new Dictionary<IComputeBackend, List<float[]>>();
        float[] Attended(IComputeBackend b)
        {
            using var qs = b.Upload((float[])q.Clone());
            using var ks = b.Upload((float[])keys.Clone());
            using var vs = b.Upload((float[])values.Clone());
            using var o = b.Allocate(tokens * config.Dim);
            var weights = seen[b] = [];
            b.Attention(new AttentionArgs(qs.View, ks.View, vs.View, o.View, tokens, startSlot, config, 0, observed ? new Recorder(weights) : null));
            return Download(b, o);
        }

        var gpu = Gpu(false);
        AssertClose(Attended(CpuBackend.Instance), Attended(gpu));
        Assert.Equal(observed ? tokens * config.Heads : 0, seen[gpu].Count);
        for (int i = 0; i < seen[gpu].Count; i++)
        {
            AssertClose(seen[CpuBackend.Instance][i], seen[gpu][i]);
        }
    }

    private IlgpuBackend Gpu(bool split) => split ? backends.Split : backends.Plain;

    private static float[] Run(IComputeBackend b, Func<IComputeBackend, float[]> body) => body(b);

    /// <summary>Uploads a and c, runs <paramref name="op"/>(output, a, c), returns the output.</summary>
    private static float[] Op(IComputeBackend b, Action<DeviceView, DeviceView, DeviceView> op, int outputLength, float[] a, float[] c)
    {
        using var av = b.Upload((float[])a.Clone());
        using var cv = b.Upload((float[])c.Clone());
        using var o = b.Allocate(outputLength);
        op(o.View, av.View, cv.View);
        return Download(b, o);
    }

    private static float[] Download(IComputeBackend b, DeviceBuffer buffer)
    {
        var host = new float[buffer.Length];
        b.CopyToHost(buffer.View, host);
        return host;
    }

    private static float[] Random(Random rng, int n)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = (rng.NextSingle() * 2f) - 1f;
        }

        return a;
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        float scale = Math.Max(1f, expected.Max(MathF.Abs));
        float worst = 0f;
        for (int i = 0; i < expected.Length; i++)
        {
            worst = Math.Max(worst, MathF.Abs(expected[i] - actual[i]));
        }

        Assert.True(worst <= Tolerance * scale, $"max |ilgpu − cpu| = {worst:E3} > {Tolerance:E0} × {scale}");
    }

    private sealed class Recorder(List<float[]> seen) : IAttentionObserver
    {
        private readonly List<float[]> weights = seen;

        public void OnAttention(int layer, int head, int slot, ReadOnlySpan<float> weights) => this.weights.Add(weights.ToArray());
    }

    /// <summary>Two CPU-accelerator backends, made once for the class: one plain, one that always splits.</summary>
    public sealed class Backends : IDisposable
    {
        internal IlgpuBackend Plain { get; } = IlgpuBackend.Create("cpu");

        internal IlgpuBackend Split { get; } = IlgpuBackend.Create("cpu", splitThreads: 1 << 20);

        public void Dispose()
        {
            Plain.Dispose();
            Split.Dispose();
        }
    }
}
