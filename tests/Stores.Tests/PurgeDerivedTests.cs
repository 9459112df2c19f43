using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Links;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.MemoryCore;

namespace AgentMem.Stores.Tests;

/// <summary>
/// <see cref="MemoryOS.PurgeAsync(Scope, MemoryId, string?, CancellationToken)"/> reaches what was made from the memory, as
/// forgetting a user does: activation memories that encode it (with their cartridge files) and summaries derived from it,
/// transitively; memories merely related to it stay, without the link.
/// </summary>
public sealed class PurgeDerivedTests : IAsyncDisposable
{
    private static readonly Scope Alice = new("acme", "alice");
    private readonly TestDatabase db = new();

    public ValueTask DisposeAsync() => db.DisposeAsync();

    [Fact]
    public async Task Purging_a_source_purges_its_activation_memories_with_their_cartridges_and_its_summaries_and_counts_them_in_the_audit()
    {
        var memory = db.OpenMemory();
        await memory.CreateCubeAsync(Alice, "notes");
        await memory.CreateCubeAsync(Alice, "cache");
        var source = await memory.AddAsync(Alice, "notes", new MemoryDraft("alice's locker code is wombat7731"));
        var kept = await memory.AddAsync(Alice, "notes", new MemoryDraft("alice likes tea"));
        string cartridge = Path.Combine(db.Folder, "cartridges", "cache-0001.amkv");
        Directory.CreateDirectory(Path.GetDirectoryName(cartridge)!);
        await File.WriteAllTextAsync(cartridge, "token ids of: alice's locker code is wombat7731");
        var activation = await memory.AddAsync(Alice, "cache", new MemoryDraft("KV cartridge of 2 memories: alice's locker code is wombat7731 ...")
        {
            Kind = MemoryKind.Activation,
            Payload = PayloadRef.ForLocalFile(cartridge, "application/x-agentmem-kv"),
            Links = [new MemoryLink(source.Id, "encodes"), new MemoryLink(kept.Id, "encodes")],
        });
        var summary = await memory.AddAsync(Alice, "notes", new MemoryDraft("summary: the locker code is wombat7731") { Links = [new MemoryLink(source.Id, LinkTypes.DerivedFrom)] });
        var digest = await memory.AddAsync(Alice, "notes", new MemoryDraft("digest of summaries") { Links = [new MemoryLink(summary.Id, LinkTypes.DerivedFrom)] });
        await memory.SetStateAsync(Alice, digest.Id, LifecycleState.Frozen);
        var related = await memory.AddAsync(Alice, "notes", new MemoryDraft("alice has a locker") { Links = [new MemoryLink(source.Id, "related")] });

        await memory.PurgeAsync(Alice, source.Id, "user asked");

        foreach (var gone in new[] { source.Id, activation.Id, summary.Id, digest.Id })
        {
            await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.GetAsync(Alice, gone));
        }

        Assert.False(File.Exists(cartridge));
        Assert.Equal("alice likes tea", (await memory.GetAsync(Alice, kept.Id)).Text);
        Assert.DoesNotContain("localPath", System.Text.Json.JsonSerializer.Serialize(new PayloadRef(new Uri(cartridge).AbsoluteUri, "application/x-agentmem-kv", 1, new string('0', 64))), StringComparison.OrdinalIgnoreCase);
        Assert.Empty((await memory.GetAsync(Alice, related.Id)).Links);
        Assert.Empty(await memory.SearchAsync(Alice, "notes", "wombat7731"));
        Assert.Empty(await memory.SearchAsync(Alice, "cache", "wombat7731"));
        var trail = await memory.GetAuditAsync(Alice);
        var line = Assert.Single(trail, a => a.Action == "purge");
        Assert.Equal((source.Id.ToString(), "user asked; 3 derived memories purged with it"), (line.MemoryId, line.Detail));
        Assert.DoesNotContain(trail, a => (a.Detail ?? string.Empty).Contains("wombat", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task A_cartridge_that_cannot_be_deleted_fails_the_purge_loudly_after_the_listeners_have_dropped_the_text()
    {
        // The file's delete threw before the listeners were told: the purged text stayed in the retriever's index on disk,
        // and the caller learnt nothing of the committed purge but an IOException.
        var memory = db.OpenMemory();
        var heard = new List<string>();
        using var registration = memory.AddChangeListener(new PurgeListener(heard));
        await memory.CreateCubeAsync(Alice, "cache");
        string cartridge = Path.Combine(db.Folder, "cartridges", "held.amkv");
        Directory.CreateDirectory(Path.GetDirectoryName(cartridge)!);
        await File.WriteAllTextAsync(cartridge, "token ids of: alice's locker code is wombat7731");
        var payload = PayloadRef.ForLocalFile(cartridge, "application/x-agentmem-kv");
        var activation = await memory.AddAsync(Alice, "cache", new MemoryDraft("KV cartridge: alice's locker code is wombat7731") { Kind = MemoryKind.Activation, Payload = payload });

        // An immutable file: not even root may delete it (permissions do not stop root).
        Skip.IfNot(ImmutableFile.TrySet(cartridge, immutable: true), "needs chattr on a file system with the immutable attribute (ext4), as CI has");
        try
        {
            var error = await Assert.ThrowsAsync<ErasureFilesLeftException>(() => memory.PurgeAsync(Alice, activation.Id, "user asked"));
            Assert.Contains(activation.Id.ToString(), error.Message, StringComparison.Ordinal);
            Assert.Equal([cartridge], error.Files);
            Assert.Equal(["cache purged"], heard);
            await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.GetAsync(Alice, activation.Id));
            Assert.Empty(await memory.SearchAsync(Alice, "cache", "wombat7731"));

            // Deleting a cube whose cartridge cannot be deleted deletes the cube all the same, then names the file.
            var again = await memory.AddAsync(Alice, "cache", new MemoryDraft("KV cartridge again") { Kind = MemoryKind.Activation, Payload = payload });
            var cubeError = await Assert.ThrowsAsync<ErasureFilesLeftException>(() => memory.DeleteCubeAsync(Alice, "cache"));
            Assert.Contains(again.Id.ToString(), cubeError.Message, StringComparison.Ordinal);
            Assert.Equal([cartridge], cubeError.Files);
            await Assert.ThrowsAsync<CubeNotFoundException>(() => memory.OpenCubeAsync(Alice, "cache"));
        }
        finally
        {
            ImmutableFile.TrySet(cartridge, immutable: false);
        }
    }

    [Fact]
    public async Task A_listener_that_throws_during_a_purge_stops_neither_the_other_listeners_nor_the_cartridge_deletion()
    {
        // A listener's IOException (a snapshot it could not delete) left the other listeners untold and the cartridge, which
        // holds the purged text, on disk; the caller got a bare IOException for a purge that had committed.
        var memory = db.OpenMemory();
        var heard = new List<string>();
        using var failing = memory.AddChangeListener(new ThrowingListener());
        using var registration = memory.AddChangeListener(new PurgeListener(heard));
        await memory.CreateCubeAsync(Alice, "cache");
        string cartridge = Path.Combine(db.Folder, "cartridges", "told.amkv");
        Directory.CreateDirectory(Path.GetDirectoryName(cartridge)!);
        await File.WriteAllTextAsync(cartridge, "token ids of: alice's locker code is wombat7731");
        var payload = PayloadRef.ForLocalFile(cartridge, "application/x-agentmem-kv");
        var activation = await memory.AddAsync(Alice, "cache", new MemoryDraft("KV cartridge: alice's locker code is wombat7731") { Kind = MemoryKind.Activation, Payload = payload });

        var error = await Assert.ThrowsAsync<ErasureFilesLeftException>(() => memory.PurgeAsync(Alice, activation.Id, "user asked"));

        Assert.IsType<IOException>(error.InnerException);
        Assert.Contains("snapshot is locked", error.Message, StringComparison.Ordinal);
        Assert.Empty(error.Files);
        Assert.False(File.Exists(cartridge));
        Assert.Equal(["cache purged"], heard);
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.GetAsync(Alice, activation.Id));

        // A cube delete goes on past it alike: the cube is gone, the other listeners told, and the error says so.
        await memory.AddAsync(Alice, "cache", new MemoryDraft("another note"));
        var cubeError = await Assert.ThrowsAsync<ErasureFilesLeftException>(() => memory.DeleteCubeAsync(Alice, "cache"));
        Assert.IsType<IOException>(cubeError.InnerException);
        Assert.Equal(["cache purged", "cache deleted"], heard);
        await Assert.ThrowsAsync<CubeNotFoundException>(() => memory.OpenCubeAsync(Alice, "cache"));
    }

    private sealed class ThrowingListener : IMemoryChangeListener
    {
        public void OnMemoriesChanged(string tenant, string cubeId)
        {
        }

        public void OnMemoryPurged(string tenant, string cubeId, MemoryId id) => throw new IOException("the index snapshot is locked");

        public void OnCubeDeleted(string tenant, string cubeId) => throw new IOException("the index folder is locked");
    }

    private sealed class PurgeListener(List<string> heard) : IMemoryChangeListener
    {
        public void OnMemoriesChanged(string tenant, string cubeId)
        {
        }

        public void OnMemoryPurged(string tenant, string cubeId, MemoryId id) => heard.Add("cache purged");

        public void OnCubeDeleted(string tenant, string cubeId) => heard.Add("cache deleted");
    }

    [Fact]
    public async Task Deleting_a_cube_deletes_its_cartridge_files_and_purges_what_other_cubes_derived_from_it()
    {
        var memory = db.OpenMemory();
        await memory.CreateCubeAsync(Alice, "notes");
        await memory.CreateCubeAsync(Alice, "cache");
        var source = await memory.AddAsync(Alice, "notes", new MemoryDraft("alice's locker code is wombat7731"));
        string cartridge = Path.Combine(db.Folder, "cartridges", "notes-0001.amkv");
        Directory.CreateDirectory(Path.GetDirectoryName(cartridge)!);
        await File.WriteAllTextAsync(cartridge, "token ids of: alice's locker code is wombat7731");
        await memory.AddAsync(Alice, "notes", new MemoryDraft("KV cartridge of 1 memory")
        {
            Kind = MemoryKind.Activation,
            Payload = PayloadRef.ForLocalFile(cartridge, "application/x-agentmem-kv"),
            Links = [new MemoryLink(source.Id, "encodes")],
        });
        var summary = await memory.AddAsync(Alice, "cache", new MemoryDraft("summary: the locker code is wombat7731") { Links = [new MemoryLink(source.Id, LinkTypes.DerivedFrom)] });
        var unrelated = await memory.AddAsync(Alice, "cache", new MemoryDraft("alice likes tea"));

        Assert.Equal(2, await memory.DeleteCubeAsync(Alice, "notes"));

        Assert.False(File.Exists(cartridge));
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.GetAsync(Alice, summary.Id));
        Assert.Empty(await memory.SearchAsync(Alice, "cache", "wombat7731"));
        Assert.Equal("alice likes tea", (await memory.GetAsync(Alice, unrelated.Id)).Text);
    }

    [Fact]
    public async Task A_purge_deletes_a_payload_file_only_while_it_holds_the_bytes_the_memory_recorded()
    {
        var memory = db.OpenMemory();
        await memory.CreateCubeAsync(Alice, "cache");

        // A reference is data (an imported archive brings its own): one naming some other file must not get it deleted.
        string precious = Path.Combine(db.Folder, "precious.txt");
        await File.WriteAllTextAsync(precious, "not a cartridge at all");
        var foreign = await memory.AddAsync(Alice, "cache", new MemoryDraft("KV cartridge of 1 memory")
        {
            Kind = MemoryKind.Activation,
            Payload = new PayloadRef(new Uri(precious).AbsoluteUri, "application/x-agentmem-kv", new FileInfo(precious).Length, new string('0', 64)),
        });
        await memory.PurgeAsync(Alice, foreign.Id);
        Assert.True(File.Exists(precious));
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.GetAsync(Alice, foreign.Id));
    }

    [Fact]
    public async Task A_purge_with_nothing_derived_writes_the_reason_alone_and_a_frozen_memory_is_still_refused()
    {
        var memory = db.OpenMemory();
        await memory.CreateCubeAsync(Alice, "notes");
        var plain = await memory.AddAsync(Alice, "notes", new MemoryDraft("a plain note"));
        var frozen = await memory.AddAsync(Alice, "notes", new MemoryDraft("a frozen note"));
        await memory.SetStateAsync(Alice, frozen.Id, LifecycleState.Frozen);

        await memory.PurgeAsync(Alice, plain.Id);
        await Assert.ThrowsAsync<MemoryFrozenException>(() => memory.PurgeAsync(Alice, frozen.Id));
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.PurgeAsync(Alice, plain.Id));

        var line = Assert.Single(await memory.GetAuditAsync(Alice), a => a.Action == "purge");
        Assert.Equal((plain.Id.ToString(), (string?)null), (line.MemoryId, line.Detail));
    }
}
