using AgentMem.Agents.Activation;
using AgentMem.Agents.Blocks;
using AgentMem.Common;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore;
using AgentMem.ModelHost;
using AgentMem.Retrieval.Lexical;
using AgentMem.Stores.Sqlite;
using Microsoft.Data.Sqlite;

namespace AgentMem.Agents.Tests.Activation;

/// <summary>The activation memory scheduler over a real SQLite store and stories260K.</summary>
public sealed class ActivationSchedulerTests : IAsyncLifetime
{
    private static readonly Scope Alice = new("acme", "alice");

    private readonly string folder = Path.Combine(Path.GetTempPath(), "agentmem-modelhost-tests", Guid.NewGuid().ToString("N"));
    private MemoryOS memory = null!;

    private string DbPath => Path.Combine(folder, "memory.db");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(folder);
        var store = SqliteMemoryStore.Open(DbPath);
        memory = new MemoryOS(store, new Bm25Retriever(store));
        await memory.CreateCubeAsync(Alice, "stories");
    }

    public async Task DisposeAsync()
    {
        await memory.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    private ActivationMemoryScheduler CreateScheduler(int top)
    {
        var scheduler = new ActivationMemoryScheduler(memory, Stories.Generator, new ActivationSchedulerOptions { TopN = top, Folder = Path.Combine(folder, "carts") });
        memory.AddChangeListener(scheduler);
        return scheduler;
    }

    private async Task<List<MemoryItem>> AddAsync(params string[] texts)
    {
        var items = new List<MemoryItem>();
        foreach (string text in texts)
        {
            var outcome = await memory.AddAsync(Alice, "stories", new MemoryDraft(text));
            items.Add(await memory.GetAsync(Alice, outcome.Id));
        }

        return items;
    }

    private void SetRecallCount(MemoryItem item, int count) => RecallCounts.Set(DbPath, item, count);

    [Fact]
    public async Task Another_models_cartridge_of_the_same_memories_is_kept_and_this_model_gets_its_own()
    {
        var items = await AddAsync(Stories.Lily, Stories.Ball, Stories.Night);
        SetRecallCount(items[1], 5);
        var first = await CreateScheduler(top: 1).PromoteAsync(Alice, "stories");
        Assert.True(first.Built);

        // The same checkpoint with an adapter attached is another model (another fingerprint): the first cartridge cannot
        // be loaded into it. It used to be taken as current, "no change", on every promotion.
        var other = Stories.Model.WithAdapters(LoraAdapter.Create(Stories.Model, 2, 8f, [LoraTarget.Q]));
        Assert.False(other.GetFingerprint().AsSpan().SequenceEqual(Stories.Model.GetFingerprint()));
        var otherScheduler = new ActivationMemoryScheduler(memory, new Generator(other, Stories.Tokenizer), new ActivationSchedulerOptions { TopN = 1, Folder = Path.Combine(folder, "carts") });
        var second = await otherScheduler.PromoteAsync(Alice, "stories");

        Assert.True(second.Built);
        Assert.NotEqual(first.Cartridge!.Id, second.Cartridge!.Id);
        Assert.Equal(other.GetFingerprint(), KvCartridge.Load(ActivationMemoryScheduler.ResolveCartridgeFile(second.Cartridge)).Fingerprint);
        Assert.Empty(second.Invalidated);
        Assert.Equal(LifecycleState.Active, (await memory.GetAsync(Alice, first.Cartridge.Id)).State);

        // Each model then finds its own as current.
        Assert.False((await otherScheduler.PromoteAsync(Alice, "stories")).Built);
        Assert.False((await CreateScheduler(top: 1).PromoteAsync(Alice, "stories")).Built);
    }

    [Fact]
    public async Task A_core_block_recalled_most_is_never_promoted_into_the_cubes_cartridge()
    {
        // A block is in its own user's prompt already, and a cartridge of a shared cube is loaded for every user of it.
        var items = await AddAsync(Stories.Lily, Stories.Ball);
        var block = await new CoreMemoryBlocks(memory).AppendAsync(Alice, "stories", "human", "Alice is afraid of the dark.");
        SetRecallCount(await memory.GetAsync(Alice, block.Id), 9);
        SetRecallCount(items[1], 2);

        var ranked = await CreateScheduler(top: 2).RankAsync(Alice, "stories");

        Assert.Equal([items[1].Id, items[0].Id], ranked.Select(m => m.Id));
    }

    [Fact]
    public async Task Promotes_the_most_recalled_memories_into_a_cartridge_memory_with_payload_and_provenance()
    {
        var items = await AddAsync(Stories.Lily, Stories.Ball, Stories.Night, Stories.Tom, "The dog barked at the moon.");
        SetRecallCount(items[3], 9);
        SetRecallCount(items[1], 4);
        var scheduler = CreateScheduler(top: 2);

        var result = await scheduler.PromoteAsync(Alice, "stories");
        Assert.True(result.Built);
        Assert.Equal([items[1].Id, items[3].Id], result.Sources.Select(s => s.Id)); // rendered in creation order
        var cart = result.Cartridge!;
        Assert.Equal(MemoryKind.Activation, cart.Kind);
        Assert.Contains(ActivationMemoryScheduler.Tag, cart.Tags);
        Assert.Equal(KvCartridge.MediaType, cart.Payload!.MediaType);
        Assert.Equal($"encodes:{items[1].Id}@1,{items[3].Id}@1", cart.Provenance.SourceRef);
        Assert.Equal(SourceKind.System, cart.Provenance.Source);
        Assert.Equal("hot: the 2 most recalled memories that fit the context (4, 9 recalls)", cart.StateReason);
        Assert.Equal([items[1].Id, items[3].Id], cart.Links.Where(l => l.Type == ActivationMemoryScheduler.EncodesLink).Select(l => l.Target));

        string path = ActivationMemoryScheduler.ResolveCartridgeFile(await memory.GetAsync(Alice, cart.Id));
        Assert.Equal(new FileInfo(path).Length, cart.Payload.SizeBytes);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path))), cart.Payload.Sha256);
        var loaded = KvCartridge.Load(path);
        Assert.Equal(Stories.Tokenizer.Encode(Stories.Ball + "\n" + Stories.Tom), loaded.Tokens);
        Assert.Equal(loaded.Count, result.Tokens);

        // The cartridge resumes like a prefill of the rendered memories.
        var resumed = Stories.Generator.Resume(loaded, string.Empty, 20, new Sampler(512, 0f), Stories.Model.CreateCache());
        var direct = Stories.Generator.Generate(Stories.Ball + "\n" + Stories.Tom, 20, new Sampler(512, 0f));
        Assert.Equal(direct.Tokens, resumed.Tokens);

        // Nothing changed: the same memory is still valid.
        var again = await scheduler.PromoteAsync(Alice, "stories");
        Assert.False(again.Built);
        Assert.Equal(cart.Id, again.Cartridge!.Id);
        Assert.Empty(again.Invalidated);
    }

    [Fact]
    public async Task A_changed_source_invalidates_the_cartridge_and_the_next_run_rebuilds_it()
    {
        var items = await AddAsync(Stories.Lily, Stories.Ball, Stories.Night);
        var scheduler = CreateScheduler(top: 3);
        var first = await scheduler.PromoteAsync(Alice, "stories");
        var cube = await memory.OpenCubeAsync(Alice, "stories");

        await memory.UpdateAsync(Alice, items[1].Id, new MemoryChange { Text = "Lily gave the cat a fish.", Reason = "fixed" });
        Assert.True(scheduler.IsDirty(Alice.Tenant, cube.Id));

        var invalidated = await scheduler.RefreshAsync(Alice, "stories");
        var stale = Assert.Single(invalidated);
        Assert.Equal(first.Cartridge!.Id, stale.Id);
        Assert.Equal(LifecycleState.Archived, stale.State);
        Assert.Contains($"source memory {items[1].Id} changed (v1 -> v2", stale.StateReason, StringComparison.Ordinal);
        Assert.Throws<MemoryStateException>(() => ActivationMemoryScheduler.ResolveCartridgeFile(stale));
        Assert.Equal(2, (await memory.GetHistoryAsync(Alice, stale.Id)).Count);

        var rebuilt = await scheduler.PromoteAsync(Alice, "stories");
        Assert.True(rebuilt.Built);
        Assert.NotEqual(first.Cartridge.Id, rebuilt.Cartridge!.Id);
        Assert.Contains($"{items[1].Id}@2", rebuilt.Cartridge.Provenance.SourceRef, StringComparison.Ordinal);
        string path = ActivationMemoryScheduler.ResolveCartridgeFile(rebuilt.Cartridge);
        Assert.Equal(Stories.Tokenizer.Encode(string.Join("\n", Stories.Lily, "Lily gave the cat a fish.", Stories.Night)), KvCartridge.Load(path).Tokens);

        // A deleted source is a change too; the rebuilt cartridge leaves it out.
        await memory.DeleteAsync(Alice, items[0].Id);
        var afterDelete = await scheduler.PromoteAsync(Alice, "stories");
        Assert.True(afterDelete.Built);
        Assert.Contains(afterDelete.Invalidated, i => i.Id == rebuilt.Cartridge.Id && i.StateReason!.Contains("now Deleted", StringComparison.Ordinal));
        Assert.DoesNotContain(afterDelete.Sources, s => s.Id == items[0].Id);
    }

    [Fact]
    public async Task Promoting_an_archived_cartridges_selection_again_brings_that_cartridge_back_active()
    {
        await AddAsync(Stories.Lily, Stories.Ball, Stories.Night);
        var scheduler = CreateScheduler(top: 3);
        var first = await scheduler.PromoteAsync(Alice, "stories");
        await memory.SetStateAsync(Alice, first.Cartridge!.Id, LifecycleState.Archived, "demoted");

        // The same memories make the same file, which the archived memory names: the add was matched to it and it stayed
        // archived, so nothing loaded it and every promotion built it again.
        var again = await scheduler.PromoteAsync(Alice, "stories");
        Assert.True(again.Built);
        Assert.Equal(first.Cartridge.Id, again.Cartridge!.Id);
        Assert.Equal(LifecycleState.Active, again.Cartridge.State);
        Assert.Equal(LifecycleState.Active, (await memory.GetAsync(Alice, first.Cartridge.Id)).State);
        Assert.Equal(first.Cartridge.StateReason, again.Cartridge.StateReason);
        Assert.Equal(ActivationMemoryScheduler.ResolveCartridgeFile(first.Cartridge), ActivationMemoryScheduler.ResolveCartridgeFile(again.Cartridge));

        Assert.False((await scheduler.PromoteAsync(Alice, "stories")).Built);
    }

    [Fact]
    public async Task A_source_archived_and_restored_gets_a_new_cartridge_at_its_new_version()
    {
        var items = await AddAsync(Stories.Lily, Stories.Ball, Stories.Night);
        var scheduler = CreateScheduler(top: 3);
        var first = await scheduler.PromoteAsync(Alice, "stories");
        await memory.SetStateAsync(Alice, items[1].Id, LifecycleState.Archived, "forgotten");
        await memory.SetStateAsync(Alice, items[1].Id, LifecycleState.Active, "restated");

        // Same text, same file as the first cartridge, but its provenance names version 1: restored, it was stale at once.
        var rebuilt = await scheduler.PromoteAsync(Alice, "stories");
        Assert.True(rebuilt.Built);
        Assert.Contains(rebuilt.Invalidated, i => i.Id == first.Cartridge!.Id);
        Assert.NotEqual(first.Cartridge!.Id, rebuilt.Cartridge!.Id);
        Assert.Equal(LifecycleState.Active, rebuilt.Cartridge.State);
        Assert.Contains($"{items[1].Id}@3", rebuilt.Cartridge.Provenance.SourceRef, StringComparison.Ordinal);
        Assert.Equal(LifecycleState.Archived, (await memory.GetAsync(Alice, first.Cartridge.Id)).State);
        _ = ActivationMemoryScheduler.ResolveCartridgeFile(rebuilt.Cartridge);

        Assert.False((await scheduler.PromoteAsync(Alice, "stories")).Built);
    }

    [Fact]
    public async Task Without_recalls_the_most_recent_memories_are_chosen_and_an_altered_file_is_detected()
    {
        var items = await AddAsync(Stories.Lily, Stories.Ball, Stories.Night);
        var scheduler = CreateScheduler(top: 2);
        var result = await scheduler.PromoteAsync(Alice, "stories");
        Assert.Equal([items[1].Id, items[2].Id], result.Sources.Select(s => s.Id));

        string path = ActivationMemoryScheduler.ResolveCartridgeFile(result.Cartridge!);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[^1] ^= 1;
        File.WriteAllBytes(path, bytes);
        Assert.Throws<ModelFormatException>(() => ActivationMemoryScheduler.ResolveCartridgeFile(result.Cartridge!));
        var invalidated = Assert.Single(await scheduler.RefreshAsync(Alice, "stories"));
        Assert.Contains("altered", invalidated.StateReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_promotion_leaves_no_cartridge_file_behind()
    {
        // The cartridge was prefilled and saved before the add: a read-only grantee's or a full cube's refusal left a file
        // holding the sources' tokens and KV, named by no memory.
        await AddAsync(Stories.Lily, Stories.Ball, Stories.Night);
        await memory.SetGrantsAsync(Alice, "stories", [new MemoryCore.Cubes.CubeGrant("bob", null, MemoryCore.Cubes.CubeAccess.Read)]);
        var scheduler = CreateScheduler(top: 3);

        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => scheduler.PromoteAsync(new Scope("acme", "bob"), "stories"));
        Assert.Empty(CartridgeFiles());

        await memory.SetPolicyAsync(Alice, "stories", new MemoryCore.Cubes.CubePolicy { MaxItems = 3 });
        await Assert.ThrowsAsync<CubeFullException>(() => scheduler.PromoteAsync(Alice, "stories"));
        Assert.Empty(CartridgeFiles());
    }

    [Fact]
    public async Task A_cartridge_is_named_by_its_cubes_id_so_the_longest_tenant_and_cube_names_fit_and_name_or_id_give_one_file()
    {
        // The file was named by the tenant and the cube as the caller gave it: 64 + 128 characters, with the temporary
        // suffix, went past the 255-byte file-name limit after the prefill (PathTooLongException), and the cube's name and
        // its id made two names for one cartridge.
        var owner = new Scope(new string('t', 128), "alice");
        string name = new('c', 128);
        var cube = await memory.CreateCubeAsync(owner, name);
        var outcome = await memory.AddAsync(owner, name, new MemoryDraft(Stories.Lily));
        SetRecallCount(await memory.GetAsync(owner, outcome.Id), 3);
        var scheduler = CreateScheduler(top: 1);

        var result = await scheduler.PromoteAsync(owner, name);

        Assert.True(result.Built);
        string file = Path.GetFileName(ActivationMemoryScheduler.ResolveCartridgeFile(result.Cartridge!));
        Assert.StartsWith($"{owner.Tenant}-{cube.Id}-", file, StringComparison.Ordinal);
        Assert.DoesNotContain(name, file, StringComparison.Ordinal);

        // Rebuilt by the cube's id after a change, the cartridge lands under the same name as built by its name.
        await memory.UpdateAsync(owner, outcome.Id, new MemoryChange { Text = Stories.Lily + " She smiled." });
        SetRecallCount(await memory.GetAsync(owner, outcome.Id), 3);
        var rebuilt = await scheduler.PromoteAsync(owner, cube.Id);
        Assert.True(rebuilt.Built);
        Assert.StartsWith($"{owner.Tenant}-{cube.Id}-", Path.GetFileName(ActivationMemoryScheduler.ResolveCartridgeFile(rebuilt.Cartridge!)), StringComparison.Ordinal);
    }

    private string[] CartridgeFiles() => Directory.Exists(Path.Combine(folder, "carts")) ? Directory.GetFiles(Path.Combine(folder, "carts")) : [];

    [Fact]
    public void Source_references_round_trip()
    {
        var id = AgentMem.MemoryCore.Identity.MemoryId.NewId(DateTimeOffset.UnixEpoch);
        Assert.Equal([(id, 3)], ActivationSources.Parse($"encodes:{id}@3"));
        Assert.Empty(ActivationSources.Parse("D3:7"));
        Assert.Empty(ActivationSources.Parse(null));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ActivationSchedulerOptions { TopN = 0 }.Validate());
    }
}
