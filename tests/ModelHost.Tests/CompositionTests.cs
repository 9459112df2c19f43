namespace AgentMem.ModelHost.Tests;

/// <summary>Chained cartridges compose exactly; independent ones compose by re-basing (approximate) and say so.</summary>
public sealed class CompositionTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "agentmem-modelhost-tests", Guid.NewGuid().ToString("N"));

    public CompositionTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private KvCartridge SaveAndLoad(KvCartridge cartridge, string name)
    {
        string path = Path.Combine(folder, name);
        cartridge.Save(path);
        return KvCartridge.Load(path);
    }

    [Fact]
    public void Composed_chain_decodes_the_same_tokens_as_prefilling_the_concatenated_texts()
    {
        var generator = Stories.Generator;
        var c1 = SaveAndLoad(generator.CreateCartridge(Stories.Lily, Stories.Model.CreateCache()), "c1.amkv");
        var c2 = SaveAndLoad(generator.CreateCartridge(Stories.Ball, [c1], Stories.Model.CreateCache()), "c2.amkv");
        var c3 = SaveAndLoad(generator.CreateCartridge(Stories.Night, [c1, c2], Stories.Model.CreateCache()), "c3.amkv");

        // Each link stores only its own tokens, at the positions that follow its base.
        int[] t1 = Stories.Tokenizer.Encode(Stories.Lily);
        int[] t2 = Stories.Tokenizer.Encode(Stories.Ball, bos: false);
        int[] t3 = Stories.Tokenizer.Encode(Stories.Night, bos: false);
        Assert.Equal(t2, c2.Tokens);
        Assert.Equal(Enumerable.Range(t1.Length, t2.Length), c2.Positions);
        Assert.True(c1.IsRoot);
        Assert.False(c2.IsRoot);
        Assert.Equal(c1.Id.ToArray(), c2.BaseId.ToArray());
        Assert.True(KvCartridge.IsChain([c1, c2, c3]));
        Assert.False(KvCartridge.IsChain([c1, c3]));
        Assert.False(KvCartridge.IsChain([c2, c3]));

        var composed = KvCartridge.Compose(c1, c2, c3);
        int[] all = [.. t1, .. t2, .. t3];
        Assert.Equal(all, composed.Tokens);
        Assert.Equal(Enumerable.Range(0, all.Length), composed.Positions);
        Assert.True(composed.IsRoot);

        // The chain's entries are the entries a single prefill computes, up to float summation order (the batched prefill
        // blocks its matrix products by chunk, so a chain split elsewhere rounds differently in the last bits).
        var fromChain = Stories.Model.CreateCache();
        composed.ImportInto(Stories.Model, fromChain);
        var single = Stories.PrefillAllButLast([.. all, 0]);
        for (int l = 0; l < Stories.Model.Config.Layers; l++)
        {
            for (int s = 0; s < all.Length; s++)
            {
                Assert.True(MaxAbsDiff(single.Key(l, s), fromChain.Key(l, s)) < 1e-4, $"key layer {l} slot {s} of {all.Length}, c1 {c1.Count} c2 {c2.Count}");
                Assert.True(MaxAbsDiff(single.Value(l, s), fromChain.Value(l, s)) < 1e-4, $"value layer {l} slot {s} of {all.Length}, c1 {c1.Count} c2 {c2.Count}");
            }
        }

        var resumed = generator.Resume(composed, string.Empty, 40, new Sampler(512, 0f), Stories.Model.CreateCache());
        var direct = generator.Continue(all, all.Length - 1, 40, new Sampler(512, 0f), Stories.PrefillAllButLast(all));
        Assert.Equal(direct.Tokens, resumed.Tokens);
        Assert.Equal(direct.Text, resumed.Text);
    }

    [Fact]
    public void Independent_cartridges_compose_approximately_and_are_not_a_chain()
    {
        var generator = Stories.Generator;
        var a = generator.CreateCartridge(Stories.Lily, Stories.Model.CreateCache());
        var b = generator.CreateCartridge(Stories.Tom, Stories.Model.CreateCache());
        Assert.False(KvCartridge.IsChain([a, b]));
        var composed = KvCartridge.Compose(a, b);
        Assert.True(composed.IsDetached);
        Assert.False(composed.IsRoot);
        Assert.False(KvCartridge.IsChain([composed]));
        Assert.True(a.Rebase(3).IsDetached);
        Assert.True(a.Rebase(0).IsRoot);
        Assert.Equal(Enumerable.Range(0, a.Count + b.Count), composed.Positions);
        Assert.Equal([.. a.Tokens, .. b.Tokens], composed.Tokens);

        // Deeper layers of b were computed without a in front, so the composition differs from a single prefill there.
        var imported = Stories.Model.CreateCache();
        composed.ImportInto(Stories.Model, imported);
        int[] all = [.. composed.Tokens];
        var single = Stories.PrefillAllButLast([.. all, 0]);
        int last = Stories.Model.Config.Layers - 1;
        Assert.NotEqual(single.Value(last, all.Length - 1).ToArray(), imported.Value(last, all.Length - 1).ToArray());
        var result = generator.Resume(composed, string.Empty, 10, new Sampler(512, 0f), Stories.Model.CreateCache());
        Assert.Equal(10, result.Tokens.Count);
    }

    [Fact]
    public void A_link_alone_is_refused_by_Resume_while_its_chain_composed_from_the_root_resumes()
    {
        // A link holds only its own entries, at positions after its base's: alone it is a prefix with its start missing.
        var generator = Stories.Generator;
        var root = generator.CreateCartridge(Stories.Lily, Stories.Model.CreateCache());
        var link = SaveAndLoad(generator.CreateCartridge(Stories.Ball, [root], Stories.Model.CreateCache()), "link.amkv");
        Assert.False(link.IsRoot || link.IsDetached);
        var e = Assert.Throws<ArgumentException>(() => generator.Resume(link, string.Empty, 10, new Sampler(512, 0f), Stories.Model.CreateCache()));
        Assert.Contains("link", e.Message, StringComparison.Ordinal);
        Assert.Contains("root", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => generator.Resume(link, " The cat", 10, new Sampler(512, 0f), Stories.Model.CreateCache()));

        // A chat client's memory state refuses it too, and takes the chain from its root.
        Assert.Throws<ArgumentException>(() => new LocalMemoryState([link], []));
        Assert.Single(new LocalMemoryState([root], []).Cartridges);
        Assert.Equal(2, new LocalMemoryState([root, link], []).Cartridges.Count);

        var chained = generator.Resume(KvCartridge.Compose(root, link), string.Empty, 10, new Sampler(512, 0f), Stories.Model.CreateCache());
        Assert.Equal([.. root.Tokens, .. link.Tokens], chained.PromptTokens);
        Assert.Equal(10, chained.Tokens.Count);
    }

    [Fact]
    public void A_link_cannot_be_made_past_the_context_nor_on_a_broken_chain()
    {
        var generator = Stories.Generator;
        var c1 = generator.CreateCartridge(Stories.Lily, Stories.Model.CreateCache());
        string longText = string.Concat(Enumerable.Repeat(Stories.Tom + " ", 8));
        Assert.Throws<ArgumentException>(() => generator.CreateCartridge(longText, [c1], Stories.Model.CreateCache()));
        Assert.Throws<ArgumentException>(() => generator.CreateCartridge(string.Empty, [c1], Stories.Model.CreateCache()));
        var c2 = generator.CreateCartridge(Stories.Ball, [c1], Stories.Model.CreateCache());
        Assert.Throws<ArgumentException>(() => generator.CreateCartridge(Stories.Night, [c2], Stories.Model.CreateCache()));
    }

    [Fact]
    public void A_cartridge_moved_to_the_end_of_the_context_decodes_only_up_to_it_and_one_moved_past_it_is_refused()
    {
        // Rebase takes any offset, and Resume counted only slots: a cartridge moved to position 100,000 decoded there, at
        // positions the model was never run at, without a word.
        var generator = Stories.Generator;
        var cartridge = generator.CreateCartridge(Stories.Lily, Stories.Model.CreateCache());
        int seqLen = Stories.Model.Config.SeqLen;
        var far = cartridge.Rebase(100_000);
        var e = Assert.Throws<ArgumentException>(() => generator.Resume(far, string.Empty, 5, new Sampler(512, 0f), Stories.Model.CreateCache()));
        Assert.Contains($"position {far.NextPosition}", e.Message, StringComparison.Ordinal);
        Assert.Contains($"context of {seqLen}", e.Message, StringComparison.Ordinal);

        // Its last entry 6 positions before the end: fed again there, it leaves room for 6 tokens.
        var near = cartridge.Rebase(seqLen - 5 - cartridge.NextPosition);
        var result = generator.Resume(near, string.Empty, int.MaxValue, new Sampler(512, 0f), Stories.Model.CreateCache());
        Assert.True(result.Tokens.Count == 6 || (result.StoppedAtBos && result.Tokens.Count < 6), $"{result.Tokens.Count} tokens");
    }

    private static float MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        float max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        }

        return max;
    }
}
