using Xunit.Abstractions;

namespace AgentMem.ModelHost.Tests;

/// <summary>Batched prefill against token-by-token Forward on stories260K, and int8 weights on the same model.</summary>
public sealed class PrefillTests
{
    private static readonly Lazy<LlamaModel> Model = new(() => LlamaModel.Load(RepoPaths.StoriesModel));
    private static readonly Lazy<SentencePieceBpeTokenizer> Tokenizer = new(() => SentencePieceBpeTokenizer.Load(RepoPaths.StoriesTokenizer, 512));

    private readonly ITestOutputHelper output;

    public PrefillTests(ITestOutputHelper output) => this.output = output;

    private static int[] Tokens(int n)
    {
        var rng = new Random(n);
        var t = new int[n];
        t[0] = 1;
        for (int i = 1; i < n; i++)
        {
            t[i] = rng.Next(3, 512);
        }

        return t;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(150)] // more than one chunk of 128
    public void Prefill_matches_token_by_token_forward(int n)
    {
        var model = Model.Value;
        int[] tokens = Tokens(n);
        var a = model.CreateCache();
        float[] expected = [];
        for (int p = 0; p < n; p++)
        {
            expected = model.Forward(tokens[p], p, a).ToArray();
        }

        var b = model.CreateCache();
        float[] actual = model.Prefill(tokens, 0, b).ToArray();
        double max = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            max = Math.Max(max, Math.Abs(expected[i] - actual[i]));
        }

        output.WriteLine($"n={n}: max |logit diff| = {max:E3}");
        Assert.True(max < 1e-4, $"max diff {max}");
        Assert.Equal(n, b.Length);
        for (int l = 0; l < model.Config.Layers; l++)
        {
            for (int s = 0; s < n; s++)
            {
                Assert.Equal(s, b.PositionOf(s));
                var ka = a.Key(l, s);
                var kb = b.Key(l, s);
                var va = a.Value(l, s);
                var vb = b.Value(l, s);
                float kvMax = 0;
                for (int i = 0; i < ka.Length; i++)
                {
                    kvMax = Math.Max(kvMax, Math.Max(Math.Abs(ka[i] - kb[i]), Math.Abs(va[i] - vb[i])));
                }

                Assert.True(kvMax < 1e-4, $"layer {l} slot {s}: {kvMax}");
            }
        }
    }

    [Fact]
    public void Prefill_continues_a_filled_cache_and_decoding_after_it_matches()
    {
        var model = Model.Value;
        int[] tokens = Tokens(40);
        var a = model.CreateCache();
        for (int p = 0; p < 40; p++)
        {
            model.Forward(tokens[p], p, a);
        }

        var b = model.CreateCache();
        model.Prefill(tokens.AsSpan(0, 25), 0, b);
        model.Prefill(tokens.AsSpan(25, 15), 25, b);
        Assert.Equal(40, b.Length);
        Assert.Equal(Sampler.ArgMax(model.Forward(7, 40, a)), Sampler.ArgMax(model.Forward(7, 40, b)));
    }

    [Fact]
    public void PrefillAt_with_observer_reports_every_head_in_order()
    {
        var model = Model.Value;
        var observer = new Recorder();
        var cache = model.CreateCache();
        model.PrefillAt(Tokens(5), 10, 0, cache, observer);
        Assert.Equal(model.Config.Layers * 5 * model.Config.Heads, observer.Calls.Count);
        Assert.Equal((0, 0, 0, 1), observer.Calls[0]);
        Assert.Equal((model.Config.Layers - 1, model.Config.Heads - 1, 4, 5), observer.Calls[^1]);
        Assert.Equal(14, cache.PositionOf(4));
    }

    [Fact]
    public void Prefill_validates_arguments()
    {
        var model = Model.Value;
        var cache = model.CreateCache();
        Assert.True(model.Prefill([], 0, cache).IsEmpty);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Prefill(new[] { 1, 512 }, 0, cache));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Prefill(new[] { 1, 2 }, 3, cache)); // slots 0..2 not filled
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Prefill(new int[model.Config.SeqLen + 1], 0, cache));
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => model.Prefill(new[] { 1, 2 }, 0, cache, cts.Token));
    }

    [Fact]
    public void A_cancelled_rewrite_of_earlier_slots_leaves_none_of_them_marked_filled()
    {
        // Rewriting slots 0.. of a filled cache, cancelled after layer 0: that layer held the new tokens' keys and values, the
        // others the old ones, and the cache still claimed all 20 slots (with the old positions) as valid.
        var model = Model.Value;
        var cache = model.CreateCache();
        model.Prefill(Tokens(20), 0, cache);
        using var cts = new CancellationTokenSource();
        var observer = new CancelAtLayer(0, cts);
        Assert.Throws<OperationCanceledException>(() => model.PrefillAt(Tokens(8), 0, 0, cache, observer, cts.Token));
        Assert.Equal(0, cache.Length);
    }

    [Fact]
    public void Int8_weights_stay_close_to_float_on_stories260K()
    {
        var f32 = Model.Value;
        var int8 = LlamaModel.Load(RepoPaths.StoriesModel, new ModelLoadOptions { Quantization = WeightQuantization.Int8PerRow });
        Assert.Equal(WeightQuantization.Int8PerRow, int8.Quantization);
        Assert.NotEqual(f32.GetFingerprint(), int8.GetFingerprint());
        Assert.True(int8.WeightBytesPerToken * 3 < f32.WeightBytesPerToken, $"{int8.WeightBytesPerToken} vs {f32.WeightBytesPerToken}");

        // Teacher-forced: int8's logits along the float model's own greedy path (which is the float greedy output).
        var cf = f32.CreateCache();
        var cq = int8.CreateCache();
        int token = 1, same = 0;
        double maxDiff = 0;
        var greedy = new List<int>();
        for (int p = 0; p < 200; p++)
        {
            var lf = f32.Forward(token, p, cf).ToArray();
            var lq = int8.Forward(token, p, cq).ToArray();
            for (int i = 0; i < lf.Length; i++)
            {
                maxDiff = Math.Max(maxDiff, Math.Abs(lf[i] - lq[i]));
            }

            same += Sampler.ArgMax(lf) == Sampler.ArgMax(lq) ? 1 : 0;
            token = Sampler.ArgMax(lf);
            greedy.Add(token);
        }

        // Free-running int8 greedy output against the float one: identical prefix length.
        var b = new Generator(int8, Tokenizer.Value).Generate(string.Empty, 200, new Sampler(512, 0f));
        int agree = 0;
        while (agree < Math.Min(greedy.Count, b.Tokens.Count) && greedy[agree] == b.Tokens[agree])
        {
            agree++;
        }

        output.WriteLine($"int8 greedy: first {agree} of 200 tokens identical; teacher-forced argmax agreement {same}/200; max |logit diff| {maxDiff:F3}");
        output.WriteLine(b.Text);
        Assert.True(same >= 180, $"teacher-forced agreement {same}/200");

        // The batched int8 prefill agrees with int8 token-by-token.
        int[] tokens = Tokens(50);
        var c1 = int8.CreateCache();
        float[] e = [];
        for (int p = 0; p < 50; p++)
        {
            e = int8.Forward(tokens[p], p, c1).ToArray();
        }

        float[] g = int8.Prefill(tokens, 0, int8.CreateCache()).ToArray();
        Assert.True(e.Zip(g).Max(z => Math.Abs(z.First - z.Second)) < 1e-4);
    }

    // Cancels as soon as it sees a head of the given layer, so the pass stops before the next layer.
    private sealed class CancelAtLayer(int at, CancellationTokenSource cancel) : IAttentionObserver
    {
        public void OnAttention(int layer, int head, int slot, ReadOnlySpan<float> weights)
        {
            if (layer == at)
            {
                cancel.Cancel();
            }
        }
    }

    private sealed class Recorder : IAttentionObserver
    {
        public List<(int Layer, int Head, int Slot, int Count)> Calls { get; } = [];

        public void OnAttention(int layer, int head, int slot, ReadOnlySpan<float> weights) => Calls.Add((layer, head, slot, weights.Length));
    }
}
