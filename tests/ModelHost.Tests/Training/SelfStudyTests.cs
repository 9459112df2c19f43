using System.Buffers.Binary;
using AgentMem.ModelHost.Training;
using AgentMem.Common;

namespace AgentMem.ModelHost.Tests.Training;

/// <summary>
/// Self-study on stories260K with a few steps (the measured run is bench/Activation --self-study): the prefix, the trained
/// cartridge file (round trip, refusals, older versions), composition.
/// </summary>
public sealed class SelfStudyTests : IDisposable
{
    // One small training shared by the tests: 8 entries, 4 synthetic sequences seen every step, 8 steps.
    private static readonly Lazy<(int[] Corpus, SelfStudyResult Result)> Trained = new(() => Train(Stories.Lily, seed: 3));

    private readonly string folder = Path.Combine(Path.GetTempPath(), "agentmem-modelhost-tests", Guid.NewGuid().ToString("N"));

    public SelfStudyTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void Options_refuse_settings_that_cannot_work_naming_them()
    {
        Assert.Equal("PrefixTokens", Assert.Throws<ArgumentOutOfRangeException>(() => new SelfStudyOptions().Validate()).ParamName);
        Assert.Equal("ChunkSize", Assert.Throws<ArgumentOutOfRangeException>(() => new SelfStudyOptions { PrefixTokens = 4, ChunkSize = 48 }.Validate()).ParamName);
        Assert.Equal("WarmupSteps", Assert.Throws<ArgumentOutOfRangeException>(() => new SelfStudyOptions { PrefixTokens = 4, Optimizer = SelfStudyOptions.DefaultOptimizer with { Steps = 5, WarmupSteps = 6 } }.Validate()).ParamName);
        Assert.Equal("Temperature", Assert.Throws<ArgumentOutOfRangeException>(() => new SelfStudyOptions { PrefixTokens = 4, Temperature = 0f }.Validate()).ParamName);
        Assert.Equal("LearningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new SelfStudyOptions { PrefixTokens = 4, Optimizer = SelfStudyOptions.DefaultOptimizer with { LearningRate = float.NaN } }.Validate()).ParamName);
        new SelfStudyOptions { PrefixTokens = 4 }.Validate();

        int[] corpus = Stories.Tokenizer.Encode(Stories.Ball);
        var trainer = new SelfStudyTrainer(Stories.Model, new SelfStudyOptions { PrefixTokens = corpus.Length });
        Assert.Contains("shorter", Assert.Throws<ArgumentException>(() => trainer.Train(corpus)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Training_lowers_the_KL_and_the_prefix_ends_at_the_corpus_last_position()
    {
        var (corpus, result) = Trained.Value;
        Assert.Equal(8, result.Prefix.Length);
        // Evenly spaced (the default): the first and the last corpus entries included.
        Assert.Equal(0, result.Prefix.Positions[0]);
        Assert.Equal(corpus.Length - 1, result.Prefix.Positions[^1]);
        Assert.Equal(result.Prefix.Positions.Select(p => corpus[p]), result.Tokens);
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 9], SelfStudyTrainer.InitialSlots(10, 8, SelfStudyInitialization.FirstTokens));
        Assert.Equal(8, result.Losses.Count);
        Assert.True(result.Losses[^1] < result.Losses[0], $"loss {result.Losses[0]} → {result.Losses[^1]}");
        Assert.Equal(corpus.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), result.Recipe["corpus_tokens"]);
        using var cache = result.CreateCache(Stories.Model);
        Assert.Equal(corpus.Length, cache.NextPosition);

        // Same seed, corpus and model: the same prefix.
        var again = Train(Stories.Lily, seed: 3).Result;
        Assert.Equal(result.Prefix.Keys(4), again.Prefix.Keys(4));
    }

    [Fact]
    public void Sequences_can_start_without_a_corpus_chunk_and_training_is_cancellable()
    {
        int[] corpus = Stories.Tokenizer.Encode(Stories.Ball);
        var options = new SelfStudyOptions { PrefixTokens = 4, Optimizer = SelfStudyOptions.DefaultOptimizer with { Steps = 2, WarmupSteps = 0 }, SequenceLength = 8, ChunkSize = 0, SyntheticSequences = 2, SequencesPerStep = 2 };
        var result = new SelfStudyTrainer(Stories.Model, options).Train(corpus);
        Assert.All(result.Losses, l => Assert.True(float.IsFinite(l)));
        Assert.Equal("0", result.Recipe["chunk_size"]);

        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => new SelfStudyTrainer(Stories.Model, options).Train(corpus, cancellationToken: cancelled.Token));
    }

    [Fact]
    public void A_pool_of_teacher_distributions_larger_than_the_memory_is_refused_before_the_corpus_prefill()
    {
        // Every synthetic sequence keeps the teacher's distribution at each position (sequence length × vocabulary floats):
        // 128 sequences of 256 tokens of Qwen2.5's 151,936 tokens are about 20 GB. Only the student's tape was checked, so the
        // run died out of memory after the corpus prefill and part of the synthesis. Here the pool is twice the memory there is.
        int[] corpus = Stories.Tokenizer.Encode(Stories.Ball);
        const int length = 8;
        long perSequence = (long)length * Stories.Model.Config.VocabSize * sizeof(float);
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        int sequences = (int)Math.Min(int.MaxValue, (2 * available / perSequence) + 1);
        var options = new SelfStudyOptions { PrefixTokens = 4, SequenceLength = length, ChunkSize = 2, SyntheticSequences = sequences };

        // Cancelled from the start: the prefill and the synthesis would throw OperationCanceledException, so an
        // ArgumentException shows the pool was refused before either ran.
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var e = Assert.Throws<ArgumentException>(() => new SelfStudyTrainer(Stories.Model, options).Train(corpus, cancellationToken: cancelled.Token));
        Assert.Equal("corpus", e.ParamName);
        Assert.Contains("teacher distributions", e.Message, StringComparison.Ordinal);
        Assert.Contains("SyntheticSequences", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_changed_after_construction_change_nothing()
    {
        // The trainer validated the options once and then read the caller's object: a ChunkSize as long as the sequence (which
        // the constructor refuses: nothing would be sampled) set later trained on corpus chunks alone, without an error.
        int[] corpus = Stories.Tokenizer.Encode(Stories.Ball);
        var options = new SelfStudyOptions { PrefixTokens = 4, Optimizer = SelfStudyOptions.DefaultOptimizer with { Steps = 1, WarmupSteps = 0 }, SequenceLength = 6, ChunkSize = 2, SyntheticSequences = 2, SequencesPerStep = 2, Seed = 5 };
        var trainer = new SelfStudyTrainer(Stories.Model, options);
        options.ChunkSize = options.SequenceLength;
        options.Seed = 6;
        trainer.Options.PrefixTokens = 1; // a copy: the settings in use stay the validated ones

        var result = trainer.Train(corpus);
        Assert.Equal("2", result.Recipe["chunk_size"]);
        Assert.Equal("5", result.Recipe["seed"]);
        Assert.Equal(4, result.Prefix.Length);
        Assert.Equal(2, trainer.Options.ChunkSize);
    }

    [Theory]
    [InlineData(0UL, 0)]
    [InlineData(2336937208910341525UL, 1)] // × 1_000_003 + 1 wraps to 0: the second sequence's sampler seed
    public void Any_seed_trains_even_one_whose_derived_sampler_seed_is_zero(ulong seed, int sequence)
    {
        Assert.Equal(0UL, unchecked((seed * 1_000_003UL) + (ulong)sequence));
        int[] corpus = Stories.Tokenizer.Encode(Stories.Ball);
        var options = new SelfStudyOptions { PrefixTokens = 4, Optimizer = SelfStudyOptions.DefaultOptimizer with { Steps = 1, WarmupSteps = 0 }, SequenceLength = 6, ChunkSize = 2, SyntheticSequences = 2, SequencesPerStep = 2, Seed = seed };
        var result = new SelfStudyTrainer(Stories.Model, options).Train(corpus);
        Assert.All(result.Losses, l => Assert.True(float.IsFinite(l)));
        Assert.Equal(seed.ToString(System.Globalization.CultureInfo.InvariantCulture), result.Recipe["seed"]);
    }

    [Fact]
    public void Trained_cartridge_round_trips_with_its_flag_and_recipe_and_runs()
    {
        var (_, result) = Trained.Value;
        var cartridge = result.ToCartridge(Stories.Model);
        Assert.True(cartridge.IsTrained);
        string path = Path.Combine(folder, "t.amkv");
        cartridge.Save(path);
        Assert.Equal(cartridge.FileBytes, new FileInfo(path).Length);

        var loaded = KvCartridge.Load(path);
        Assert.True(loaded.IsTrained);
        Assert.Equal(result.Recipe.OrderBy(e => e.Key, StringComparer.Ordinal), loaded.Recipe);
        Assert.Equal(result.Prefix.Positions, loaded.Positions);
        using (var a = new MemoryStream())
        {
            loaded.WriteTo(a);
            Assert.Equal(File.ReadAllBytes(path), a.ToArray());
        }

        var header = KvCartridge.Inspect(path);
        Assert.True(header.IsTrained);
        Assert.Equal("self-study", header.Recipe["method"]);
        using var cache = Stories.Model.CreateCache();
        Assert.True(KvCartridge.LoadInto(path, Stories.Model, cache).IsTrained);
        var generated = Stories.Generator.Resume(loaded, " Lily", 8, new Sampler(512, 0f), Stories.Model.CreateCache());
        Assert.Equal(8, generated.Tokens.Count);

        // A plain cartridge is not trained and has no recipe.
        var plain = Stories.Generator.CreateCartridge(Stories.Tom, Stories.Model.CreateCache());
        Assert.False(plain.IsTrained);
        Assert.Empty(plain.Recipe);
    }

    [Fact]
    public void Corrupted_truncated_foreign_and_newer_trained_cartridges_are_refused_clearly()
    {
        var cartridge = Trained.Value.Result.ToCartridge(Stories.Model);
        using var stream = new MemoryStream();
        cartridge.WriteTo(stream);
        byte[] good = stream.ToArray();
        const int recipeStart = 72 + 64 + 8;

        byte[] recipe = (byte[])good.Clone();
        recipe[recipeStart + 3] ^= 0x01; // inside the recipe text
        Assert.Contains("checksum", Refused(recipe), StringComparison.Ordinal);
        byte[] payload = (byte[])good.Clone();
        payload[good.Length - 40] ^= 0x10;
        Assert.Contains("checksum", Refused(payload), StringComparison.Ordinal);

        Assert.Contains("truncated", Refused(good[..^5]), StringComparison.Ordinal);
        Assert.Contains("truncated", Refused(good[..(recipeStart + 10)]), StringComparison.Ordinal);

        Assert.Contains("version 4", Refused(WithInt(good, 8, 4)), StringComparison.Ordinal);
        Assert.Contains("unknown flags", Refused(WithInt(good, 72 + 64, 1 | 4)), StringComparison.Ordinal);
        Assert.Contains("recipe length", Refused(WithInt(good, 72 + 64 + 4, -1)), StringComparison.Ordinal);

        var checkpoint = Llama2cCheckpoint.Load(RepoPaths.StoriesModel);
        var embedding = (float[])checkpoint.Weights.TokenEmbedding.Clone();
        embedding[0] += 0.5f;
        var other = new LlamaModel(checkpoint.Config, checkpoint.Weights with { TokenEmbedding = embedding, Classifier = embedding });
        string path = Path.Combine(folder, "t.amkv");
        cartridge.Save(path);
        Assert.Contains("another model", Assert.Throws<ModelFormatException>(() => KvCartridge.LoadInto(path, other, other.CreateCache())).Message, StringComparison.Ordinal);
        Assert.Contains("another model", Assert.Throws<ModelFormatException>(() => KvCartridge.Load(path).ImportInto(other, other.CreateCache())).Message, StringComparison.Ordinal);

        string Refused(byte[] bytes)
        {
            string message = Assert.Throws<ModelFormatException>(() => KvCartridge.Read(bytes)).Message;
            string file = Path.Combine(folder, "bad.amkv");
            File.WriteAllBytes(file, bytes);
            Assert.Throws<ModelFormatException>(() => KvCartridge.Load(file));
            if (!message.Contains("checksum", StringComparison.Ordinal))
            {
                // Inspect reads the header and tokens only; it does not checksum the payload.
                Assert.Throws<ModelFormatException>(() => KvCartridge.Inspect(file));
            }

            return message;
        }
    }

    [Fact]
    public void Version_2_files_still_load_untrained()
    {
        var plain = Stories.Generator.CreateCartridge(Stories.Tom, Stories.Model.CreateCache());
        using var stream = new MemoryStream();
        plain.WriteTo(stream);
        byte[] v3 = stream.ToArray();
        Assert.Equal(KvCartridge.FormatVersion, BinaryPrimitives.ReadInt32LittleEndian(v3.AsSpan(8)));

        // Version 2: no flags and recipe length (8 bytes after the ids), checksum recomputed.
        const int v2Header = 72 + 64;
        byte[] v2 = [.. v3.AsSpan(0, v2Header), .. v3.AsSpan(v2Header + 8, v3.Length - v2Header - 8 - 4), 0, 0, 0, 0];
        BinaryPrimitives.WriteInt32LittleEndian(v2.AsSpan(8), 2);
        BinaryPrimitives.WriteUInt32LittleEndian(v2.AsSpan(v2.Length - 4), System.IO.Hashing.Crc32.HashToUInt32(v2.AsSpan(0, v2.Length - 4)));
        var read = KvCartridge.Read(v2);
        Assert.False(read.IsTrained);
        Assert.Equal(plain.Tokens, read.Tokens);
        Assert.Equal(plain.Id.ToArray(), read.Id.ToArray());
        string path = Path.Combine(folder, "v2.amkv");
        File.WriteAllBytes(path, v2);
        Assert.Equal(2, KvCartridge.Inspect(path).Version);
        Assert.False(KvCartridge.Inspect(path).IsTrained);
    }

    [Fact]
    public void Two_trained_cartridges_compose_by_concatenation_and_run()
    {
        var (lilyCorpus, lily) = Trained.Value;
        var (_, tom) = Train(Stories.Tom, seed: 4);
        var a = lily.ToCartridge(Stories.Model);
        var b = tom.ToCartridge(Stories.Model);
        var composed = KvCartridge.Compose(a, b);
        Assert.Equal(a.Count + b.Count, composed.Count);
        Assert.True(composed.IsTrained);
        Assert.Equal("2", composed.Recipe["composed_parts"]);
        Assert.Equal(a.Recipe["corpus_sha256"], composed.Recipe["part0.corpus_sha256"]);
        Assert.Equal(b.Recipe["corpus_sha256"], composed.Recipe["part1.corpus_sha256"]);
        Assert.Equal(lilyCorpus.Length, composed.Positions[a.Count]); // b follows a's last entry

        string path = Path.Combine(folder, "ab.amkv");
        composed.Save(path);
        var generated = Stories.Generator.Resume(KvCartridge.Load(path), " Tom", 8, new Sampler(512, 0f), Stories.Model.CreateCache());
        Assert.Equal(8, generated.Tokens.Count);
    }

    private static (int[] Corpus, SelfStudyResult Result) Train(string text, ulong seed)
    {
        int[] corpus = Stories.Tokenizer.Encode(text);
        var options = new SelfStudyOptions
        {
            PrefixTokens = 8,
            Optimizer = SelfStudyOptions.DefaultOptimizer with { Steps = 8, WarmupSteps = 1, LearningRate = 0.02f },
            SequenceLength = 16,
            ChunkSize = 4,
            SequencesPerStep = 4,
            SyntheticSequences = 4,
            Seed = seed,
        };
        return (corpus, new SelfStudyTrainer(Stories.Model, options).Train(corpus));
    }

    private static byte[] WithInt(byte[] bytes, int offset, int value)
    {
        byte[] copy = (byte[])bytes.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(copy.AsSpan(offset), value);
        return copy;
    }
}
