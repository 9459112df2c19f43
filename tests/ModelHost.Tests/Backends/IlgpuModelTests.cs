using AgentMem.ModelHost;
using AgentMem.ModelHost.Backends.Ilgpu;
using Microsoft.Extensions.AI;

namespace AgentMem.ModelHost.Tests.Backends;

/// <summary>
/// stories260K on the ILGPU backend (ILGPU's CPU accelerator) against the CPU backend: logits within 1e-4 relative
/// (max |Δ| ÷ max |cpu logit|) token by token, batched prefill, int8 weights, and KV caches and cartridges that move between
/// the backends and continue with the same greedy tokens.
/// </summary>
public sealed class IlgpuModelTests : IClassFixture<IlgpuModelTests.Models>, IDisposable
{
    private const float LogitTolerance = 1e-4f;
    private const string Prompt = "Once upon a time, there was a little girl named Lily. She loved to play";
    private readonly Models models;
    private readonly string folder = Directory.CreateTempSubdirectory("agentmem-ilgpu-").FullName;

    public IlgpuModelTests(Models models) => this.models = models;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Decode_logits_match_the_cpu_backend(bool quantized)
    {
        var (cpu, gpu) = quantized ? (models.CpuInt8, models.GpuInt8) : (models.Cpu, models.Gpu);
        var cpuCache = cpu.CreateCache();
        var gpuCache = gpu.CreateCache();
        int token = 1;
        for (int p = 0; p < 24; p++)
        {
            float[] expected = cpu.Forward(token, p, cpuCache).ToArray();
            float[] actual = gpu.Forward(token, p, gpuCache).ToArray();
            AssertLogitsClose(expected, actual, $"position {p}");
            token = ArgMax(expected);
        }

        Assert.Contains("CPU accelerator", gpu.BackendDescription, StringComparison.Ordinal);
        Assert.Equal(ComputeBackendKind.Ilgpu, gpu.Backend);
    }

    [Fact]
    public void Batched_prefill_matches_the_cpu_backend_in_logits_and_cache()
    {
        int[] tokens = Stories.Tokenizer.Encode(Stories.Lily, bos: true, eos: false).ToArray();
        var cpuCache = models.Cpu.CreateCache();
        var gpuCache = models.Gpu.CreateCache();
        float[] expected = models.Cpu.Prefill(tokens, 0, cpuCache).ToArray();
        float[] actual = models.Gpu.Prefill(tokens, 0, gpuCache).ToArray();
        AssertLogitsClose(expected, actual, "prefill");
        Assert.Equal(tokens.Length, gpuCache.Length);
        for (int l = 0; l < models.Cpu.Config.Layers; l++)
        {
            // Reading the keys on the host downloads them from the device.
            float worst = 0f;
            for (int s = 0; s < tokens.Length; s++)
            {
                var a = cpuCache.Key(l, s);
                var b = gpuCache.Key(l, s);
                for (int i = 0; i < a.Length; i++)
                {
                    worst = Math.Max(worst, MathF.Abs(a[i] - b[i]) / Math.Max(1f, MathF.Abs(a[i])));
                }
            }

            Assert.True(worst <= LogitTolerance, $"layer {l} keys differ by {worst:E2}");
        }
    }

    [Fact]
    public void Prefill_whose_attention_scores_overflow_one_launch_runs_in_smaller_blocks_with_the_same_result()
    {
        // Long contexts overflow the kernels' int score indices; a small limit runs the same split on a short prompt.
        int[] tokens = Stories.Tokenizer.Encode(Stories.Lily, bos: true, eos: false).ToArray();
        var config = models.Cpu.Config;
        using var backend = IlgpuBackend.Create("cpu");
        backend.MaxAttentionScores = 5L * config.Heads * tokens.Length; // blocks of 5 tokens
        var checkpoint = Llama2cCheckpoint.Load(RepoPaths.StoriesModel);
        var split = new LlamaModel(checkpoint.Config, checkpoint.Weights, WeightQuantization.None, backend);
        try
        {
            var cpuCache = models.Cpu.CreateCache();
            var splitCache = split.CreateCache();
            float[] expected = models.Cpu.Prefill(tokens, 0, cpuCache).ToArray();
            float[] actual = split.Prefill(tokens, 0, splitCache).ToArray();
            AssertLogitsClose(expected, actual, "split prefill");
            AssertLogitsClose(models.Cpu.Forward(7, tokens.Length, cpuCache).ToArray(), split.Forward(7, tokens.Length, splitCache).ToArray(), "decode after it");
        }
        finally
        {
            split.Dispose();
        }
    }

    [Fact]
    public void A_cartridge_made_on_one_backend_continues_identically_on_the_other()
    {
        var cpuGen = new Generator(models.Cpu, Stories.Tokenizer);
        var gpuGen = new Generator(models.Gpu, Stories.Tokenizer);
        var reference = cpuGen.Generate(Prompt, 40, new Sampler(512, 0f, 0.9f, 7));

        foreach (var (maker, runner, name) in new[] { (cpuGen, gpuGen, "cpu→ilgpu"), (gpuGen, cpuGen, "ilgpu→cpu") })
        {
            var cache = maker.Model.CreateCache();
            int[] prompt = maker.Prefill(Prompt, cache);
            string path = Path.Combine(folder, $"{name.Replace('→', '-')}.amkv");
            KvCartridge.Export(maker.Model, cache, prompt[..^1]).Save(path);

            var fresh = runner.Model.CreateCache();
            KvCartridge.LoadInto(path, runner.Model, fresh);
            var resumed = runner.Continue(prompt, prompt.Length - 1, 40, new Sampler(512, 0f, 0.9f, 7), fresh);
            Assert.True(reference.Tokens.SequenceEqual(resumed.Tokens), $"{name}: {resumed.Text}");
        }
    }

    [Fact]
    public void A_cache_handed_between_backends_mid_conversation_decodes_as_on_one()
    {
        var cpuCache = models.Cpu.CreateCache();
        int token = 1;
        var expected = new List<int>();
        for (int p = 0; p < 30; p++)
        {
            token = ArgMax(models.Cpu.Forward(token, p, cpuCache));
            expected.Add(token);
        }

        using var shared = models.Cpu.CreateCache();
        token = 1;
        var actual = new List<int>();
        for (int p = 0; p < 30; p++)
        {
            var model = p / 10 % 2 == 0 ? models.Cpu : models.Gpu; // cpu, ilgpu, cpu: each switch moves the cache
            token = ArgMax(model.Forward(token, p, shared));
            actual.Add(token);
        }

        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task A_disposed_model_refuses_every_call_with_ObjectDisposedException()
    {
        // Disposed, an ILGPU model launched its kernels on views of freed device buffers: only ILGPU's own bounds assertion
        // stopped it, and on CUDA an illegal access poisons the context every model in the process shares.
        using var backend = IlgpuBackend.Create("cpu");
        var checkpoint = Llama2cCheckpoint.Load(RepoPaths.StoriesModel);
        var gpu = new LlamaModel(checkpoint.Config, checkpoint.Weights, WeightQuantization.None, backend);
        var cache = gpu.CreateCache();
        gpu.Forward(1, 0, cache);
        using var client = new LocalChatClient(gpu, Stories.Tokenizer, "stories260K");
        gpu.Dispose();
        gpu.Dispose(); // a second time: nothing

        Assert.Throws<ObjectDisposedException>(() => gpu.Forward(5, 1, cache));
        Assert.Throws<ObjectDisposedException>(() => gpu.ForwardAt(5, 1, 1, cache));
        Assert.Throws<ObjectDisposedException>(() => gpu.Prefill([1, 5], 0, gpu.CreateCache()));
        Assert.Throws<ObjectDisposedException>(() => gpu.PrefillAt([5], 1, 1, cache));
        Assert.Throws<ObjectDisposedException>(() => gpu.CreateCache());
        Assert.Throws<ObjectDisposedException>(() => gpu.GetFingerprint());
        Assert.Throws<ObjectDisposedException>(() => gpu.WithAdapters());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "Once upon a time")], new ChatOptions { Temperature = 0, MaxOutputTokens = 4 }));
        Assert.Equal(1, cache.Length); // the refused calls wrote nothing
    }

    [Fact]
    public void A_model_disposed_during_a_forward_pass_frees_its_buffers_once_the_pass_ends()
    {
        // A host that disposes (or reloads) its model while a request runs: the pass in flight finishes on live buffers, and
        // every later call is refused.
        using var backend = IlgpuBackend.Create("cpu");
        var checkpoint = Llama2cCheckpoint.Load(RepoPaths.StoriesModel);
        var gpu = new LlamaModel(checkpoint.Config, checkpoint.Weights, WeightQuantization.None, backend);
        int[] tokens = Stories.Tokenizer.Encode(Stories.Lily, bos: true, eos: false).ToArray();
        float[] expected = models.Cpu.Prefill(tokens, 0, models.Cpu.CreateCache()).ToArray();

        var observer = new DisposingObserver(gpu);
        float[] actual = gpu.PrefillAt(tokens, 0, 0, gpu.CreateCache(), observer).ToArray();

        Assert.True(observer.Calls > 1, $"{observer.Calls} observer calls");
        AssertLogitsClose(expected, actual, "prefill disposed midway");
        Assert.Throws<ObjectDisposedException>(() => gpu.Forward(1, 0, models.Cpu.CreateCache()));
    }

    /// <summary>Disposes <paramref name="model"/> from inside its own forward pass, at the first attention weights it sees.</summary>
    private sealed class DisposingObserver(LlamaModel model) : IAttentionObserver
    {
        public int Calls { get; private set; }

        public void OnAttention(int layer, int head, int slot, ReadOnlySpan<float> weights)
        {
            if (Calls++ == 0)
            {
                model.Dispose();
            }
        }
    }

    private static void AssertLogitsClose(float[] expected, float[] actual, string where)
    {
        float scale = expected.Max(MathF.Abs);
        float worst = 0f;
        for (int i = 0; i < expected.Length; i++)
        {
            worst = Math.Max(worst, MathF.Abs(expected[i] - actual[i]));
        }

        Assert.True(worst <= LogitTolerance * scale, $"{where}: max |Δlogit| {worst:E2} > {LogitTolerance:E0} × {scale:F2}");
    }

    private static int ArgMax(ReadOnlySpan<float> logits) => System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits);

    /// <summary>stories260K on both backends (ILGPU on its CPU accelerator), float32 and int8.</summary>
    public sealed class Models : IDisposable
    {
        private readonly IlgpuBackend backend = IlgpuBackend.Create("cpu");

        public Models()
        {
            var checkpoint = Llama2cCheckpoint.Load(RepoPaths.StoriesModel);
            Cpu = new LlamaModel(checkpoint.Config, checkpoint.Weights);
            CpuInt8 = new LlamaModel(checkpoint.Config, checkpoint.Weights, WeightQuantization.Int8PerRow);
            Gpu = new LlamaModel(checkpoint.Config, checkpoint.Weights, WeightQuantization.None, backend);
            GpuInt8 = new LlamaModel(checkpoint.Config, checkpoint.Weights, WeightQuantization.Int8PerRow, backend);
        }

        public LlamaModel Cpu { get; }

        public LlamaModel CpuInt8 { get; }

        public LlamaModel Gpu { get; }

        public LlamaModel GpuInt8 { get; }

        public void Dispose()
        {
            Gpu.Dispose();
            GpuInt8.Dispose();
            backend.Dispose();
        }
    }
}
