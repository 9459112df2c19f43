using AgentMem.Agents.Activation;
using AgentMem.Agents.Parametric;
using AgentMem.Common;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Model;
using AgentMem.ModelHost;
using AgentMem.Retrieval.Lexical;
using AgentMem.Stores.Sqlite;
using Microsoft.Data.Sqlite;

namespace AgentMem.Agents.Tests.Parametric;

/// <summary>Parametric memories (LoRA adapter files) over a real SQLite store and stories260K: provenance, staleness, purge.</summary>
public sealed class ParametricMemoriesTests : IAsyncLifetime
{
    private static readonly Scope Alice = new("acme", "alice");

    private readonly string folder = Path.Combine(Path.GetTempPath(), "agentmem-parametric-tests", Guid.NewGuid().ToString("N"));
    private MemoryOS memory = null!;

    private string AdapterFolder => Path.Combine(folder, "adapters");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(folder);
        var store = SqliteMemoryStore.Open(Path.Combine(folder, "memory.db"));
        memory = new MemoryOS(store, new Bm25Retriever(store));
        await memory.CreateCubeAsync(Alice, "stories");
    }

    public async Task DisposeAsync()
    {
        await memory.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task Registers_an_adapter_as_a_parametric_memory_with_payload_provenance_and_links()
    {
        var sources = await AddAsync(Stories.Lily, Stories.Ball);
        var parametric = Create(listen: false);
        var adapter = RandomAdapter(seed: 1);

        var item = await parametric.RegisterAsync(Alice, "stories", adapter, sources);
        Assert.Equal(MemoryKind.Parametric, item.Kind);
        Assert.Equal(LoraAdapterFile.MediaType, item.Payload!.MediaType);
        Assert.Equal($"encodes:{sources[0].Id}@1,{sources[1].Id}@1", item.Provenance.SourceRef);
        Assert.Equal(sources.Select(s => s.Id), item.Links.Where(l => l.Type == ParametricMemories.EncodesLink).Select(l => l.Target));
        Assert.Contains(ParametricMemories.Tag, item.Tags);
        Assert.StartsWith("LoRA adapter (rank 4, q,k,v,o,w1,w2,w3) trained on 2 memories", item.Text, StringComparison.Ordinal);
        Assert.Null(item.StateReason); // no reason given

        string path = ParametricMemories.ResolveAdapterFile(item);
        Assert.Equal(AdapterFolder, Path.GetDirectoryName(path));
        Assert.EndsWith(LoraAdapterFile.Extension, path, StringComparison.Ordinal);
        var loaded = ParametricMemories.LoadAdapter(item, Stories.Model);
        Assert.Equal(sources.Select(s => $"{s.Id}@1"), loaded.Sources);
        Assert.Equal(adapter.ComputeId(), loaded.ComputeId());
        Assert.Equal("100", loaded.Metadata["steps"]);
        Assert.NotNull(Stories.Model.WithAdapters(loaded));
        Assert.Empty(await parametric.RefreshAsync(Alice, "stories"));
        Assert.Equal([item.Id], (await parametric.ListAsync(Alice, "stories")).Select(m => m.Id));

        var explained = await parametric.RegisterAsync(Alice, "stories", RandomAdapter(seed: 12), sources, "  trained on request  ");
        Assert.Equal("trained on request", explained.StateReason);
    }

    [Fact]
    public async Task A_refused_registration_leaves_no_adapter_file_behind()
    {
        // The file was written before the add: a read-only grantee's or a full cube's refusal left it, named by no memory.
        var sources = await AddAsync(Stories.Lily, Stories.Ball);
        var bob = new Scope("acme", "bob");
        await memory.SetGrantsAsync(Alice, "stories", [new MemoryCore.Cubes.CubeGrant("bob", null, MemoryCore.Cubes.CubeAccess.Read)]);
        var parametric = Create(listen: false);
        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => parametric.RegisterAsync(bob, "stories", RandomAdapter(seed: 4), sources));
        Assert.False(Directory.Exists(AdapterFolder) && Directory.EnumerateFiles(AdapterFolder).Any());

        await memory.SetPolicyAsync(Alice, "stories", new MemoryCore.Cubes.CubePolicy { MaxItems = 2 });
        await Assert.ThrowsAsync<CubeFullException>(() => parametric.RegisterAsync(Alice, "stories", RandomAdapter(seed: 5), sources));
        Assert.False(Directory.Exists(AdapterFolder) && Directory.EnumerateFiles(AdapterFolder).Any());
    }

    [Fact]
    public async Task A_cancelled_registration_leaves_no_adapter_file_behind_unless_its_memory_was_added()
    {
        // The clean-up caught the store's refusals only: a registration cancelled during its add left the file, named by no memory.
        using var cancel = new CancellationTokenSource();
        bool commitFirst = false;
        var inner = SqliteMemoryStore.Open(Path.Combine(folder, "cancelled.db"));
        var store = Stores.Tests.InterceptedStore.Over(inner, (method, args) =>
        {
            if (method != nameof(MemoryCore.Ports.IMemoryStore.AddAsync) || args[1] is not IReadOnlyList<MemoryItem> { Count: > 0 } items || items[0].Kind != MemoryKind.Parametric)
            {
                return null;
            }

            if (!commitFirst)
            {
                cancel.Cancel(); // the store sees the caller's cancellation before it commits
                return null;
            }

            return CommitThenCancelAsync(args);
        });
        await using var cancellable = new MemoryOS(store, new Bm25Retriever(store));
        await cancellable.CreateCubeAsync(Alice, "stories");
        var sources = new List<MemoryItem>();
        foreach (string text in new[] { Stories.Lily, Stories.Ball })
        {
            sources.Add(await cancellable.GetAsync(Alice, (await cancellable.AddAsync(Alice, "stories", new MemoryDraft(text))).Id));
        }

        var parametric = new ParametricMemories(cancellable, new ParametricMemoryOptions { Folder = AdapterFolder });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => parametric.RegisterAsync(Alice, "stories", RandomAdapter(seed: 6), sources, cancellationToken: cancel.Token));
        Assert.Empty(AdapterFilesInDataDirectory());

        // A store whose commit was acknowledged too late for the caller (cancelled while it retried) added the memory after all:
        // the file it names stays.
        commitFirst = true;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => parametric.RegisterAsync(Alice, "stories", RandomAdapter(seed: 7), sources));
        var added = Assert.Single(await parametric.ListAsync(Alice, "stories"));
        Assert.Equal([ParametricMemories.ResolveAdapterFile(added)], AdapterFilesInDataDirectory());

        async Task<IReadOnlyList<MemoryCore.Ports.AddOutcome>> CommitThenCancelAsync(object?[] args)
        {
            await inner.AddAsync((string)args[0]!, (IReadOnlyList<MemoryItem>)args[1]!, (MemoryCore.Ports.AddOptions)args[2]!, (MemoryCore.Ports.AuditRecord)args[3]!);
            throw new OperationCanceledException();
        }
    }

    [Fact]
    public async Task An_adapter_trained_on_more_sources_than_a_source_reference_holds_is_registered_and_still_goes_stale()
    {
        // 40 sources make "encodes:ID@1,..." about 1,200 bytes, past the 1 KiB a source reference holds: the add was refused
        // and the trained adapter thrown away.
        var sources = await AddAsync([.. Enumerable.Range(0, 40).Select(i => $"Lily counted {i} stars in the sky.")]);
        var parametric = Create(listen: false);

        var item = await parametric.RegisterAsync(Alice, "stories", RandomAdapter(seed: 8), sources);
        Assert.StartsWith("encodes-sha256:40:", item.Provenance.SourceRef, StringComparison.Ordinal);
        Assert.Equal(sources.Select(s => (s.Id, 1)).OrderBy(s => s.Id.ToString(), StringComparer.Ordinal), ActivationSources.Of(item).OrderBy(s => s.Id.ToString(), StringComparer.Ordinal));
        Assert.Equal(ActivationSources.Format(sources), item.Provenance.SourceRef); // what the scheduler compares a wanted set with
        Assert.Equal(ActivationSources.Format(Enumerable.Reverse(sources)), item.Provenance.SourceRef); // order-free, as the links are

        // A source listed twice: SQLite keeps one link per target and type, and the digest must still match what comes back.
        var twice = await parametric.RegisterAsync(Alice, "stories", RandomAdapter(seed: 9), [.. sources, sources[0]]);
        Assert.Equal(item.Provenance.SourceRef, twice.Provenance.SourceRef);
        Assert.Equal(40, ActivationSources.Of(twice).Count);
        Assert.Empty(await parametric.RefreshAsync(Alice, "stories"));
        Assert.Equal([twice.Id], (await parametric.ListAsync(Alice, "stories")).Select(m => m.Id)); // the same sources: superseded

        await memory.UpdateAsync(Alice, sources[17].Id, new MemoryChange { Text = "Lily counted many stars.", Reason = "fixed" });
        var stale = Assert.Single(await parametric.RefreshAsync(Alice, "stories"));
        Assert.Equal(twice.Id, stale.Id);
        Assert.Contains($"source memory {sources[17].Id} changed (v1 -> v2", stale.StateReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_edited_or_deleted_source_makes_the_adapter_memory_stale()
    {
        var sources = await AddAsync(Stories.Lily, Stories.Ball, Stories.Tom);
        var parametric = Create(listen: true);
        var first = await parametric.RegisterAsync(Alice, "stories", RandomAdapter(seed: 2), sources[..2]);
        var second = await parametric.RegisterAsync(Alice, "stories", RandomAdapter(seed: 3), sources[2..]);

        await memory.UpdateAsync(Alice, sources[1].Id, new MemoryChange { Text = "Lily gave the cat a fish.", Reason = "fixed" });
        var stale = Assert.Single(await parametric.RefreshAsync(Alice, "stories"));
        Assert.Equal(first.Id, stale.Id);
        Assert.Equal(LifecycleState.Archived, stale.State);
        Assert.Contains($"source memory {sources[1].Id} changed (v1 -> v2", stale.StateReason, StringComparison.Ordinal);
        Assert.Equal([second.Id], (await parametric.ListAsync(Alice, "stories")).Select(m => m.Id));
        Assert.Throws<MemoryStateException>(() => ParametricMemories.ResolveAdapterFile(stale));
        Assert.True(File.Exists(new Uri(stale.Payload!.Uri).LocalPath)); // archived, not purged: its history still points at it

        await memory.DeleteAsync(Alice, sources[2].Id);
        var deleted = Assert.Single(await parametric.RefreshAsync(Alice, "stories"));
        Assert.Equal(second.Id, deleted.Id);
        Assert.Contains("now Deleted", deleted.StateReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_altered_adapter_file_is_detected()
    {
        var sources = await AddAsync(Stories.Night);
        var parametric = Create(listen: false);
        var item = await parametric.RegisterAsync(Alice, "stories", RandomAdapter(seed: 4), sources);
        string path = ParametricMemories.ResolveAdapterFile(item);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[^1] ^= 1;
        File.WriteAllBytes(path, bytes);
        Assert.Throws<ModelFormatException>(() => ParametricMemories.LoadAdapter(item, Stories.Model));
        Assert.Contains("adapter file is missing or altered", Assert.Single(await parametric.RefreshAsync(Alice, "stories")).StateReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Purging_a_source_purges_the_adapter_memory_with_it_and_deletes_its_file_at_once()
    {
        var sources = await AddAsync(Stories.Lily, Stories.Ball, Stories.Tom);
        var parametric = Create(listen: true);
        var trained = await parametric.RegisterAsync(Alice, "stories", RandomAdapter(seed: 5), sources[..2]);
        var other = await parametric.RegisterAsync(Alice, "stories", RandomAdapter(seed: 6), sources[2..]);
        string otherPath = ParametricMemories.ResolveAdapterFile(other);
        Assert.Equal(2, AdapterFilesInDataDirectory().Length);

        await memory.PurgeAsync(Alice, sources[0].Id);
        Assert.Equal([otherPath], AdapterFilesInDataDirectory()); // scanned right after the purge: only the unrelated adapter is left
        // The adapter encodes the purged text, so the purge takes it along (MemoryOS purges what is derived from a memory).
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.GetAsync(Alice, trained.Id));
        Assert.Equal(other.Id, (await memory.GetAsync(Alice, other.Id)).Id);
        Assert.Empty(await parametric.RefreshAsync(Alice, "stories"));
    }

    [Fact]
    public async Task Without_the_listener_a_purge_still_deletes_the_file()
    {
        var sources = await AddAsync(Stories.Lily);
        var parametric = Create(listen: false);
        await parametric.RegisterAsync(Alice, "stories", RandomAdapter(seed: 7), sources);
        await memory.PurgeAsync(Alice, sources[0].Id);
        Assert.Empty(AdapterFilesInDataDirectory());
        Assert.Empty(await parametric.RefreshAsync(Alice, "stories"));
    }

    [Fact]
    public async Task Refreshing_an_adapter_memory_whose_source_is_gone_deletes_no_file_it_does_not_hold()
    {
        // A payload reference is data (an imported archive carries it as is): one naming the database, with a source that
        // never existed, made a refresh delete whatever file it named.
        string victim = Path.Combine(folder, "victim.db");
        await File.WriteAllTextAsync(victim, "the service's database");
        var forged = new PayloadRef(new Uri(victim).AbsoluteUri, LoraAdapterFile.MediaType, new FileInfo(victim).Length, new string('0', 64));
        var missing = MemoryCore.Identity.MemoryId.NewId(DateTimeOffset.UtcNow);
        await memory.AddAsync(Alice, "stories", new MemoryDraft("LoRA adapter (imported)")
        {
            Kind = MemoryKind.Parametric,
            Payload = forged,
            Tags = [ParametricMemories.Tag],
            SourceRef = $"encodes:{missing}@1",
        });
        var parametric = Create(listen: false);

        var archived = Assert.Single(await parametric.RefreshAsync(Alice, "stories"));

        Assert.Contains("was purged", archived.StateReason, StringComparison.Ordinal);
        Assert.Equal("the service's database", await File.ReadAllTextAsync(victim));
    }

    [Fact]
    public async Task Refreshing_an_adapter_memory_whose_source_is_gone_deletes_its_intact_file()
    {
        // The adapter holds what the gone source said: its own file, still the bytes recorded, is deleted.
        var sources = await AddAsync(Stories.Lily);
        var parametric = Create(listen: false);
        var item = await parametric.RegisterAsync(Alice, "stories", RandomAdapter(seed: 13), sources);
        string path = ParametricMemories.ResolveAdapterFile(item);
        var missing = MemoryCore.Identity.MemoryId.NewId(DateTimeOffset.UtcNow);
        await memory.AddAsync(Alice, "stories", new MemoryDraft("LoRA adapter (imported copy)")
        {
            Kind = MemoryKind.Parametric,
            Payload = item.Payload,
            Tags = [ParametricMemories.Tag],
            SourceRef = $"encodes:{missing}@1",
        });

        var archived = Assert.Single(await parametric.RefreshAsync(Alice, "stories"));

        Assert.NotEqual(item.Id, archived.Id);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Forgetting_the_user_removes_the_adapter_memory_and_its_file()
    {
        var sources = await AddAsync(Stories.Lily, Stories.Ball);
        var parametric = Create(listen: false);
        var item = await parametric.RegisterAsync(Alice, "stories", RandomAdapter(seed: 8), sources);
        var result = await memory.ForgetUserAsync(Alice, "alice");
        Assert.Equal(1, result.PayloadFiles);
        Assert.Empty(AdapterFilesInDataDirectory());
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.GetAsync(new Scope("acme"), item.Id));
    }

    [Fact]
    public async Task Deleting_the_cube_deletes_its_adapter_files_only()
    {
        await memory.CreateCubeAsync(Alice, "stories-2");
        var sources = await AddAsync(Stories.Lily);
        var parametric = Create(listen: true);
        await parametric.RegisterAsync(Alice, "stories", RandomAdapter(seed: 9), sources);
        var outcome = await memory.AddAsync(Alice, "stories-2", new MemoryDraft(Stories.Tom));
        var kept = await parametric.RegisterAsync(Alice, "stories-2", RandomAdapter(seed: 10), [await memory.GetAsync(Alice, outcome.Id)]);
        await memory.DeleteCubeAsync(Alice, "stories");
        Assert.Equal([ParametricMemories.ResolveAdapterFile(kept)], AdapterFilesInDataDirectory());
    }

    [Fact]
    public async Task Sources_from_another_cube_are_refused_and_an_adapter_holding_one_is_stale_for_who_cannot_read_it()
    {
        // Registered in a shared cube from the registrant's private memories, an adapter showed their text in its description
        // to every reader of that cube, and every local turn and scheduler run of a member who could not read them threw.
        var bob = new Scope("acme", "bob");
        await memory.CreateCubeAsync(Alice, "team");
        await memory.SetGrantsAsync(Alice, "team", [new MemoryCore.Cubes.CubeGrant("bob", null, MemoryCore.Cubes.CubeAccess.ReadWrite)]);
        var secret = await AddAsync(Stories.Lily); // in Alice's own cube
        var parametric = Create(listen: false);

        var refused = await Assert.ThrowsAsync<MemoryValidationException>(() => parametric.RegisterAsync(Alice, "team", RandomAdapter(seed: 13), secret));
        Assert.Contains(secret[0].Id.ToString(), refused.Message, StringComparison.Ordinal);
        Assert.Empty(await parametric.ListAsync(Alice, "team"));
        Assert.False(Directory.Exists(AdapterFolder) && Directory.EnumerateFiles(AdapterFolder).Any());

        // One recorded before the check (older data): for Bob it is stale, neither loaded nor failing his turn or refresh.
        var own = await parametric.RegisterAsync(Alice, "stories", RandomAdapter(seed: 14), secret);
        var draft = DerivedPayloads.Draft(ParametricMemories.Adapters, "LoRA adapter (older)", own.Payload!, secret, "mem-scheduler", "older", null);
        var shared = await memory.AddAsync(Alice, "team", draft);
        var loaded = await AgentMem.Agents.Scheduling.LocalMemoryLoader.LoadAsync(memory, bob, "team", Stories.Model);
        Assert.Empty(loaded.Parametric);
        var stale = Assert.Single(await parametric.RefreshAsync(bob, "team"));
        Assert.Equal(shared.Id, stale.Id);
        Assert.Contains($"source memory {secret[0].Id} cannot be read", stale.StateReason, StringComparison.Ordinal);
        Assert.True(File.Exists(ParametricMemories.ResolveAdapterFile(own))); // its source is not purged: the file stays
    }

    [Fact]
    public async Task A_new_adapter_supersedes_the_same_writers_adapters_over_any_of_its_sources()
    {
        // Trained on {Lily, Ball}, then again on {Lily, Ball, Night} after Night was added: the first was not stale (its
        // sources had not changed), so both stayed active and a local turn attached both, summing two updates for Lily and Ball.
        var sources = await AddAsync(Stories.Lily, Stories.Ball, Stories.Night, Stories.Tom);
        var parametric = Create(listen: false);
        var first = await parametric.RegisterAsync(Alice, "stories", RandomAdapter(seed: 21), sources[..2]);
        var unrelated = await parametric.RegisterAsync(Alice, "stories", RandomAdapter(seed: 22), sources[3..]);

        var second = await parametric.RegisterAsync(Alice, "stories", RandomAdapter(seed: 23), sources[..3]);

        var archived = await memory.GetAsync(Alice, first.Id);
        Assert.Equal(LifecycleState.Archived, archived.State);
        Assert.Contains($"superseded by parametric memory {second.Id}", archived.StateReason, StringComparison.Ordinal);
        Assert.True(File.Exists(new Uri(archived.Payload!.Uri).LocalPath)); // archived, not purged: its history still points at it
        Assert.Equal([unrelated.Id, second.Id], (await parametric.ListAsync(Alice, "stories")).Select(m => m.Id).Order());

        // A smaller set registered later supersedes the larger one in turn: the newest covers its sources.
        var third = await parametric.RegisterAsync(Alice, "stories", RandomAdapter(seed: 24), sources[1..2]);
        Assert.Equal(LifecycleState.Archived, (await memory.GetAsync(Alice, second.Id)).State);
        Assert.Equal([unrelated.Id, third.Id], (await parametric.ListAsync(Alice, "stories")).Select(m => m.Id).Order());
    }

    [Fact]
    public async Task The_loader_attaches_one_adapter_per_source_the_newest_even_from_other_writers()
    {
        // Another writer's adapter (the scheduler's, another host's) is not superseded by a registration: the loader must not
        // attach two adapters that share a source, or their updates for it are summed.
        var sources = await AddAsync(Stories.Lily, Stories.Ball, Stories.Night, Stories.Tom);
        var cli = new ParametricMemories(memory, new ParametricMemoryOptions { Folder = AdapterFolder, Actor = "writer-a" });
        var scheduler = new ParametricMemories(memory, new ParametricMemoryOptions { Folder = AdapterFolder, Actor = "writer-b" });
        var older = await cli.RegisterAsync(Alice, "stories", RandomAdapter(seed: 31), sources[..2]);
        var unrelated = await cli.RegisterAsync(Alice, "stories", RandomAdapter(seed: 32), sources[3..]);
        var newer = await scheduler.RegisterAsync(Alice, "stories", RandomAdapter(seed: 33), sources[1..3]);
        Assert.Equal(3, (await cli.ListAsync(Alice, "stories")).Count); // each writer's own stand

        var loaded = await AgentMem.Agents.Scheduling.LocalMemoryLoader.LoadAsync(memory, Alice, "stories", Stories.Model);

        Assert.Equal([unrelated.Id, newer.Id], loaded.Parametric.Select(m => m.Id).Order());
        Assert.Equal(2, loaded.State.Adapters.Count);
        Assert.Equal(new[] { sources[1].Id, sources[2].Id, sources[3].Id }.Order(), loaded.Sources.Order()); // Lily stays pasted
        Assert.DoesNotContain(older.Id, loaded.Parametric.Select(m => m.Id));
    }

    [Fact]
    public async Task Registering_needs_sources()
    {
        var parametric = Create(listen: false);
        await Assert.ThrowsAsync<MemoryValidationException>(() => parametric.RegisterAsync(Alice, "stories", RandomAdapter(seed: 11), []));
    }

    private static LoraAdapter RandomAdapter(int seed)
    {
        var rng = new Random(seed);
        var adapter = LoraAdapter.Create(Stories.Model, 4, 8f, Enum.GetValues<LoraTarget>(), new Dictionary<string, string> { ["steps"] = "100" });
        foreach (var t in adapter.Targets)
        {
            for (int l = 0; l < adapter.Layers; l++)
            {
                foreach (var values in new[] { adapter.GetA(t, l), adapter.GetB(t, l) })
                {
                    for (int i = 0; i < values.Length; i++)
                    {
                        values[i] = (float)(rng.NextDouble() - 0.5) * 0.2f;
                    }
                }
            }
        }

        return adapter;
    }

    /// <summary>Every adapter file anywhere under the data directory (the database's folder).</summary>
    private string[] AdapterFilesInDataDirectory() => Directory.GetFiles(folder, "*" + LoraAdapterFile.Extension, SearchOption.AllDirectories);

    private ParametricMemories Create(bool listen)
    {
        var parametric = new ParametricMemories(memory, new ParametricMemoryOptions { Folder = AdapterFolder });
        if (listen)
        {
            memory.AddChangeListener(parametric);
        }

        return parametric;
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
}
