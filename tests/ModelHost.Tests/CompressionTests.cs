using AgentMem.ModelHost.Backends;
using AgentMem.ModelHost.Backends.Cpu;
using AgentMem.ModelHost.Compression;

namespace AgentMem.ModelHost.Tests;

/// <summary>Cache compression to a token budget: what is kept, lossless within budget, and compressed cartridges.</summary>
public sealed class CompressionTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "agentmem-modelhost-tests", Guid.NewGuid().ToString("N"));

    public CompressionTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static int[] Prompt => Stories.Tokenizer.Encode(Stories.Lily + " " + Stories.Tom);

    [Theory]
    [InlineData(KvCompressionMethod.SnapKv)]
    [InlineData(KvCompressionMethod.H2O)]
    public void Kept_set_has_the_sinks_the_window_and_exactly_the_budget(KvCompressionMethod method)
    {
        int[] tokens = Prompt;
        var compressor = new KvCompressor(new KvCompressionOptions { Budget = 40, Sinks = 4, RecentWindow = 8, Method = method });
        var cache = Stories.Model.CreateCache();
        int[] kept = compressor.PrefillAndCompress(Stories.Model, tokens, cache);

        Assert.Equal(40, kept.Length);
        Assert.Equal(40, cache.Length);
        Assert.Equal(kept.Order().Distinct(), kept);
        Assert.Equal([0, 1, 2, 3], kept[..4]);
        Assert.Equal(Enumerable.Range(tokens.Length - 8, 8), kept[^8..]);
        for (int s = 0; s < kept.Length; s++)
        {
            Assert.Equal(kept[s], cache.PositionOf(s)); // positions are kept while slots shift
        }

        Assert.Equal(tokens.Length, cache.NextPosition);
    }

    [Fact]
    public void Compacted_slots_hold_the_entries_of_the_kept_positions()
    {
        int[] tokens = Prompt;
        var full = Stories.PrefillAllButLast([.. tokens, 0]);
        var compressor = new KvCompressor(new KvCompressionOptions { Budget = 30, Sinks = 2, RecentWindow = 4 });
        var cache = Stories.Model.CreateCache();
        int[] kept = compressor.PrefillAndCompress(Stories.Model, tokens, cache);
        for (int s = 0; s < kept.Length; s++)
        {
            Assert.Equal(full.Key(3, kept[s]).ToArray(), cache.Key(3, s).ToArray());
            Assert.Equal(full.Value(3, kept[s]).ToArray(), cache.Value(3, s).ToArray());
        }
    }

    [Fact]
    public void Budget_at_least_the_length_is_lossless()
    {
        int[] tokens = Prompt;
        var compressor = new KvCompressor(new KvCompressionOptions { Budget = tokens.Length - 1 });
        var cache = Stories.Model.CreateCache();
        int[] kept = compressor.PrefillAndCompress(Stories.Model, tokens[..^1], cache);
        Assert.Equal(tokens.Length - 1, kept.Length);

        var generator = Stories.Generator;
        var compressed = generator.Continue(tokens, cache.NextPosition, 30, new Sampler(512, 0f), cache);
        var direct = generator.Continue(tokens, tokens.Length - 1, 30, new Sampler(512, 0f), Stories.PrefillAllButLast(tokens));
        Assert.Equal(direct.Tokens, compressed.Tokens);
    }

    [Fact]
    public void Compressed_cache_decodes_and_its_cartridge_is_smaller_and_reloads_to_identical_decoding()
    {
        int[] tokens = Prompt;
        var compressor = new KvCompressor(new KvCompressionOptions { Budget = tokens.Length / 2, Sinks = 4, RecentWindow = 16 });
        var cache = Stories.Model.CreateCache();
        int[] kept = compressor.PrefillAndCompress(Stories.Model, tokens, cache);
        var compressed = KvCartridge.Export(Stories.Model, cache, [.. kept.Select(s => tokens[s])]);
        var full = Stories.Generator.CreateCartridge(Stories.Lily + " " + Stories.Tom, Stories.Model.CreateCache());
        Assert.Equal(kept, compressed.Positions);
        Assert.True(compressed.FileBytes < full.FileBytes * 0.6, $"{compressed.FileBytes} vs {full.FileBytes}");

        string path = Path.Combine(folder, "compressed.amkv");
        compressed.Save(path);
        var generator = Stories.Generator;
        var copy = Stories.Model.CreateCache();
        cache.CopyTo(copy);
        Assert.Equal(cache.Length, copy.Length);
        Assert.Equal(cache.NextPosition, copy.NextPosition);
        var inMemory = generator.Continue(tokens, tokens.Length - 1, 30, new Sampler(512, 0.8f, 0.9f, 7), cache);
        var fromCopy = generator.Continue(tokens, tokens.Length - 1, 30, new Sampler(512, 0.8f, 0.9f, 7), copy);
        Assert.Equal(inMemory.Tokens, fromCopy.Tokens);
        var reloaded = generator.Resume(KvCartridge.Load(path), string.Empty, 30, new Sampler(512, 0.8f, 0.9f, 7), Stories.Model.CreateCache());
        var direct = Stories.Model.CreateCache();
        KvCartridge.LoadInto(path, Stories.Model, direct);
        var viaLoadInto = generator.Continue(tokens, tokens.Length - 1, 30, new Sampler(512, 0.8f, 0.9f, 7), direct);
        Assert.Equal(30, inMemory.Tokens.Count);
        Assert.Equal(inMemory.Tokens, reloaded.Tokens);
        Assert.Equal(inMemory.Tokens, viaLoadInto.Tokens);
    }

    [Fact]
    public void A_compressed_cartridge_and_a_link_made_on_it_are_not_exact_while_a_complete_chain_is()
    {
        // Compression leaves a root, so IsChain held and the CLI called running it exact, though decoding after the kept
        // entries is not decoding after the text; a link made on it passed as exact too.
        int[] tokens = Prompt;
        var compressor = new KvCompressor(new KvCompressionOptions { Budget = 24, Sinks = 4, RecentWindow = 8 });
        var cache = Stories.Model.CreateCache();
        int[] kept = compressor.PrefillAndCompress(Stories.Model, tokens, cache);
        string path = Path.Combine(folder, "compressed.amkv");
        KvCartridge.Export(Stories.Model, cache, [.. kept.Select(s => tokens[s])]).Save(path);
        var compressed = KvCartridge.Load(path);
        Assert.True(compressed.IsRoot);
        Assert.True(compressed.IsCompressed);
        Assert.True(KvCartridge.Inspect(path).IsCompressed);
        Assert.False(KvCartridge.IsExact([compressed]));

        var link = Stories.Generator.CreateCartridge(Stories.Ball, [compressed], Stories.Model.CreateCache());
        Assert.True(KvCartridge.IsChain([compressed, link]));
        Assert.False(link.IsCompressed);
        Assert.False(KvCartridge.IsExact([compressed, link]));
        Assert.True(KvCartridge.Compose(compressed, link).IsCompressed);

        var root = Stories.Generator.CreateCartridge(Stories.Lily, Stories.Model.CreateCache());
        var next = Stories.Generator.CreateCartridge(Stories.Ball, [root], Stories.Model.CreateCache());
        Assert.False(root.IsCompressed);
        Assert.True(KvCartridge.IsExact([root, next]));
        Assert.False(KvCartridge.IsExact([root.AsTrained(new Dictionary<string, string> { ["method"] = "test" })]));

        // Within the budget nothing is dropped, and the cartridge stays exact.
        int[] all = new KvCompressor(new KvCompressionOptions { Budget = tokens.Length }).PrefillAndCompress(Stories.Model, tokens, cache);
        Assert.True(KvCartridge.IsExact([KvCartridge.Export(Stories.Model, cache, [.. all.Select(s => tokens[s])])]));
    }

    [Fact]
    public void Quality_of_an_identical_cache_is_perfect_and_a_tiny_budget_costs_something()
    {
        int[] tokens = Prompt;
        var same = CacheComparison.Compare(Stories.Model, () => Stories.PrefillAllButLast(tokens), () => Stories.PrefillAllButLast(tokens), tokens[^1], 20);
        Assert.Equal(1.0, same.Top1Agreement);
        Assert.Equal(0.0, same.MeanKl, 9);
        Assert.Equal(20, same.GreedyCommonPrefix);

        var compressor = new KvCompressor(new KvCompressionOptions { Budget = 8, Sinks = 2, RecentWindow = 2 });
        var tiny = CacheComparison.Compare(
            Stories.Model,
            () => Stories.PrefillAllButLast(tokens),
            () =>
            {
                var c = Stories.Model.CreateCache();
                compressor.PrefillAndCompress(Stories.Model, tokens[..^1], c);
                return c;
            },
            tokens[^1],
            20);
        Assert.True(tiny.MeanKl > 0);
    }

    [Fact]
    public void Decoding_after_a_compressed_cartridge_stops_where_its_positions_reach_the_context()
    {
        // A compressed cartridge keeps its entries' positions: the slots it freed are no positions to decode at. The end was
        // counted in slots, so a cartridge of 64 entries that ended 10 positions before the context decoded hundreds of
        // tokens at positions the model has none for, and a prompt past the context was accepted.
        int seqLen = Stories.Model.Config.SeqLen;
        string text = string.Join(" ", Enumerable.Repeat(Stories.Lily + " " + Stories.Tom, 6));
        int[] tokens = Stories.Tokenizer.Encode(text)[..(seqLen - 10)];
        var compressor = new KvCompressor(new KvCompressionOptions { Budget = 64, Sinks = 4, RecentWindow = 16 });
        var cache = Stories.Model.CreateCache();
        int[] kept = compressor.PrefillAndCompress(Stories.Model, tokens, cache);
        var cartridge = KvCartridge.Export(Stories.Model, cache, [.. kept.Select(s => tokens[s])]);
        Assert.Equal(seqLen - 10, cartridge.NextPosition);

        // The last entry is fed again at its own position, seqLen - 11: 11 positions are left, as after the whole text.
        var generator = Stories.Generator;
        var resumed = generator.Resume(cartridge, string.Empty, int.MaxValue, new Sampler(512, 0f), Stories.Model.CreateCache());
        Assert.True(resumed.Tokens.Count == 11 || (resumed.StoppedAtBos && resumed.Tokens.Count < 11), $"{resumed.Tokens.Count} tokens");
        var whole = generator.Continue(tokens, tokens.Length - 1, int.MaxValue, new Sampler(512, 0f), Stories.PrefillAllButLast(tokens));
        Assert.True(whole.Tokens.Count <= 11);

        // A model capped to fewer slots keeps the checkpoint's positions: the cartridge resumes there to the same end.
        using var capped = LlamaModel.Load(RepoPaths.StoriesModel, new ModelLoadOptions { MaxSequenceLength = 128 });
        var onCapped = new Generator(capped, Stories.Tokenizer).Resume(cartridge, string.Empty, int.MaxValue, new Sampler(512, 0f), capped.CreateCache());
        Assert.Equal(resumed.Tokens, onCapped.Tokens);

        var withPrompt = generator.Resume(cartridge, " The cat ran.", int.MaxValue, new Sampler(512, 0f), Stories.Model.CreateCache());
        int promptTokens = withPrompt.PromptTokens.Count - cartridge.Count;
        Assert.True(withPrompt.Tokens.Count <= 11 - promptTokens, $"{withPrompt.Tokens.Count} tokens after a prompt of {promptTokens}");

        string longPrompt = " " + string.Join(" ", Enumerable.Repeat("The cat ran.", 10));
        var e = Assert.Throws<ArgumentException>(() => generator.Resume(cartridge, longPrompt, 5, new Sampler(512, 0f), Stories.Model.CreateCache()));
        Assert.Contains($"position {seqLen - 10}", e.Message, StringComparison.Ordinal);
        Assert.Contains($"context of {seqLen}", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => generator.CreateCartridge(longPrompt, [cartridge], Stories.Model.CreateCache()));
        Assert.Contains($"position {seqLen - 10}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_from_a_position_feeds_the_slot_that_holds_it_as_a_resumed_cartridge_does()
    {
        // A cache holding every token, the last fed again at its own position (rewriting an identical entry), decodes as one
        // holding all but the last: so a cartridge imported whole is measured the way it runs.
        int[] tokens = Prompt;
        KvCache Whole()
        {
            var cache = Stories.PrefillAllButLast(tokens);
            Stories.Model.Forward(tokens[^1], tokens.Length - 1, cache);
            return cache;
        }

        var same = CacheComparison.Compare(Stories.Model, () => Stories.PrefillAllButLast(tokens), Whole, tokens[^1], tokens.Length - 1, 20);
        Assert.Equal(20, same.Steps);
        Assert.Equal(1.0, same.Top1Agreement);
        Assert.Equal(0.0, same.MeanKl, 12);
        Assert.Equal(20, same.GreedyCommonPrefix);

        // Fed after the last entry instead, the whole cache sees the last token twice.
        Assert.True(CacheComparison.Compare(Stories.Model, () => Stories.PrefillAllButLast(tokens), Whole, tokens[^1], 20).MeanKl > 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => CacheComparison.Compare(Stories.Model, () => Stories.PrefillAllButLast(tokens), Whole, tokens[^1], -1, 20));
    }

    [Fact]
    public void Compare_disposes_every_cache_it_asks_for()
    {
        // Disposing a cache frees its backend state (device buffers on a GPU), so binding it again makes a new one; the state
        // bound when the cache was handed over is how the test tells whether Compare disposed it.
        int[] tokens = Prompt;
        var handed = new List<(KvCache Cache, CacheState State)>();
        KvCache Make()
        {
            var cache = Stories.PrefillAllButLast(tokens);
            handed.Add((cache, cache.Bind(CpuBackend.Instance)));
            return cache;
        }

        CacheComparison.Compare(Stories.Model, Make, Make, tokens[^1], 5);
        Assert.Equal(4, handed.Count); // each factory twice
        foreach (var (cache, state) in handed)
        {
            Assert.NotSame(state, cache.Bind(CpuBackend.Instance));
        }
    }

    [Fact]
    public void Options_changed_after_construction_change_nothing()
    {
        // The compressor validated the options once and then read the caller's object: a RecentWindow of 0 set later (which the
        // constructor refuses) dropped the cache's last slot, the one a cartridge's continuation starts from.
        var options = new KvCompressionOptions { Budget = 8, Sinks = 2, RecentWindow = 2 };
        var compressor = new KvCompressor(options);
        options.RecentWindow = 0;
        options.Budget = 4;
        compressor.Options.Budget = 3; // a copy: the settings in use stay the validated ones

        int[] kept = compressor.SelectSlots(compressor.CreateScores(20), 20);
        Assert.Equal([0, 1, 2, 3, 4, 5, 18, 19], kept); // equal scores: the earliest middle slots
        Assert.Equal(8, compressor.Options.Budget);
        Assert.Equal(2, compressor.Options.RecentWindow);
    }

    [Fact]
    public void Options_are_validated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new KvCompressor(new KvCompressionOptions { Budget = 10, Sinks = 8, RecentWindow = 8 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KvCompressor(new KvCompressionOptions { RecentWindow = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KvCompressor(new KvCompressionOptions { PoolKernel = 4 }));
        // Sinks + RecentWindow wraps in int: the budget must still be refused at construction, not when compressing.
        Assert.Equal("Budget", Assert.Throws<ArgumentOutOfRangeException>(() => new KvCompressor(new KvCompressionOptions { Budget = 8, Sinks = int.MaxValue, RecentWindow = 1 })).ParamName);
        var cache = Stories.Model.CreateCache();
        Stories.Model.Forward(1, 0, cache);
        Stories.Model.Forward(5, 1, cache);
        Assert.Throws<ArgumentException>(() => cache.Compact([1, 0]));
        Assert.Throws<ArgumentException>(() => cache.Compact([2]));
    }
}
