using AgentMem.Agents.Activation;
using AgentMem.Agents.Blocks;
using AgentMem.Agents.Lifecycle;
using AgentMem.Agents.Parametric;
using AgentMem.Agents.Scheduling;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Forgetting;
using AgentMem.MemoryCore.Maintenance;
using AgentMem.MemoryCore.Model;
using AgentMem.ModelHost;
using AgentMem.Retrieval.Lexical;
using AgentMem.Stores.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;

namespace AgentMem.Agents.Tests.Scheduling;

/// <summary>
/// End to end on stories260K: the scheduler promotes a hot memory to activation memory and a stable set to parametric memory, and
/// a <see cref="MemoryAgent"/> over <see cref="LocalChatClient"/> loads them into the model instead of pasting their texts.
/// </summary>
public sealed class LocalMemoryAgentTests : IAsyncLifetime
{
    private const string Cube = "stories";
    private const string Hot = "Lily gave the cat some milk.";
    private const string Plain = "Tom had a blue boat.";
    private static readonly string[] Stable = ["The dog liked to run.", "The dog had a red ball.", "The dog slept by the fire."];
    private static readonly Scope Alice = new("acme", "alice");

    // Eight memories whose cartridge fills all but under 100 of stories260K's 512 positions; only the first is about Lily and the dog.
    private static readonly string[] Long =
    [
        "Lily and the dog ran to the park with a big red ball. They played in the sun and laughed all day long with joy and fun.",
        "The little bird sat in a tall tree and sang a happy song for the children who walked by the pond every day at noon.",
        "Mom baked a warm cake with sweet apples. Ben and Sue shared it with their friends at the big wooden table at home.",
        "A small frog jumped into the pond and swam to a green leaf. He liked to rest there in the warm sun all day.",
        "The old man had a big truck. Every morning he drove it to the farm to help the cows and the little pink pigs.",
        "Sara found a shiny stone near the river. She put it in her box with her other pretty things and smiled a lot.",
        "The wind was strong and the kite flew very high in the sky. Tim held the string tight and smiled at it all day.",
        "One night the moon was bright. The cat sat by the window and looked at the stars for a very long time that night.",
    ];

    private readonly TempFolder folder = new("mem-scheduler");
    private readonly ShiftableTime time = new();
    private readonly TestAdapterTrainer trainer = new();
    private MemoryOS memory = null!;

    private string DbPath => folder.File("memory.db");

    public async Task InitializeAsync()
    {
        var store = SqliteMemoryStore.Open(DbPath);
        memory = new MemoryOS(store, new Bm25Retriever(store), timeProvider: time);
        await memory.CreateCubeAsync(Alice, Cube);
    }

    public async Task DisposeAsync()
    {
        await memory.DisposeAsync();
        folder.Dispose();
    }

    private static MemoryAgentOptions AgentOptions() => new()
    {
        Tenant = Alice.Tenant,
        Cube = Cube,
        Instructions = "Tell a story.",
        EnableTools = false,
        CoreBlocks = null,
        MaxFactsPerTurn = 0,
        RecordThoughts = false,
    };

    private async Task<MemoryItem> AddAsync(string text, params string[] tags)
    {
        var outcome = await memory.AddAsync(Alice, Cube, new MemoryDraft(text) { Tags = tags });
        return await memory.GetAsync(Alice, outcome.Id);
    }

    private void SetRecallCount(MemoryItem item, int count) => RecallCounts.Set(DbPath, item, count);

    /// <summary>A hot memory, a stable set of three tagged memories aged past the policy, and one ordinary memory; then a scheduler run.</summary>
    private async Task<(MemScheduler Scheduler, IReadOnlyList<MemTransition> Transitions, MemoryItem Hot, List<MemoryItem> Stable)> ScheduleAsync()
    {
        var hot = await AddAsync(Hot, "cat");
        var stable = new List<MemoryItem>();
        foreach (string text in Stable)
        {
            stable.Add(await AddAsync(text, "dog"));
        }

        await AddAsync(Plain, "boat");
        SetRecallCount(hot, 5);
        time.Offset = TimeSpan.FromDays(10); // the set has now stayed unedited for more than the policy's 7 days

        var scheduler = new MemScheduler(memory, Stories.Generator, trainer, new MemSchedulerOptions { Folder = folder.File("derived") });
        var transitions = await scheduler.RunAsync(Alice, Cube);
        return (scheduler, transitions, hot, stable);
    }

    [Fact]
    public async Task Scheduler_promotes_the_hot_memory_to_activation_and_the_stable_set_to_parametric_with_provenance()
    {
        var (scheduler, transitions, hot, stable) = await ScheduleAsync();

        Assert.Equal(2, transitions.Count);
        var toActivation = transitions.Single(t => t.To == MemoryKind.Activation);
        Assert.Equal(MemoryKind.Plaintext, toActivation.From);
        Assert.Equal([hot.Id], toActivation.Sources);
        Assert.StartsWith("hot: recalled at least 3 times", toActivation.Reason, StringComparison.Ordinal);
        Assert.Equal("mem-scheduler", toActivation.Derived.Provenance.Actor);
        Assert.Equal(ActivationSources.Format([hot]), toActivation.Derived.Provenance.SourceRef);

        var toParametric = transitions.Single(t => t.To == MemoryKind.Parametric);
        Assert.Equal(stable.Select(s => s.Id).Order(), toParametric.Sources.Order());
        Assert.Contains("3 memories tagged 'dog'", toParametric.Reason, StringComparison.Ordinal);

        // Why each derived memory exists is stored on it, as a demotion's reason is.
        Assert.Equal(toActivation.Reason, (await memory.GetAsync(Alice, toActivation.Derived.Id)).StateReason);
        Assert.Equal(toParametric.Reason, (await memory.GetAsync(Alice, toParametric.Derived.Id)).StateReason);
        Assert.All(stable, s => Assert.Contains(toParametric.Derived.Links, l => l.Target == s.Id && l.Type == ParametricMemories.EncodesLink));

        // The adapter was trained on the set's texts (its loss went down) and nothing else.
        var (texts, losses) = Assert.Single(trainer.Calls);
        Assert.Equal(stable.OrderBy(s => s.Id.ToString(), StringComparer.Ordinal).Select(s => s.Text), texts);
        Assert.True(losses[^1] < losses[0], string.Join(" ", losses));

        // A second run keeps both: nothing changed.
        Assert.Empty(await scheduler.RunAsync(Alice, Cube));

        // Reversible: demoting archives the derived memory with the reason and leaves its sources as they were.
        var demoted = await scheduler.DemoteAsync(Alice, toParametric.Derived.Id, "user asked");
        Assert.Equal(MemoryKind.Plaintext, demoted.To);
        Assert.Equal(LifecycleState.Archived, demoted.Derived.State);
        Assert.Equal("demoted: user asked", demoted.Derived.StateReason);
        foreach (var source in stable)
        {
            var now = await memory.GetAsync(Alice, source.Id);
            Assert.Equal((MemoryKind.Plaintext, LifecycleState.Active, 1), (now.Kind, now.State, now.Version));
        }

        // The set is still stable, so the next run trains the same adapter again: the same file, which the demoted memory
        // names. That memory comes back active (it stayed archived: the loader skipped it and every run trained it again).
        var retrained = Assert.Single(await scheduler.RunAsync(Alice, Cube));
        Assert.Equal((MemoryKind.Parametric, toParametric.Derived.Id), (retrained.To, retrained.Derived.Id));
        Assert.Equal(LifecycleState.Active, retrained.Derived.State);
        Assert.Equal(toParametric.Reason, retrained.Derived.StateReason);
        Assert.Equal(LifecycleState.Active, (await memory.GetAsync(Alice, toParametric.Derived.Id)).State);
        Assert.Empty(await scheduler.RunAsync(Alice, Cube));

        // An edited source makes its activation memory stale: the next run demotes it with the reason and builds a new one.
        await memory.UpdateAsync(Alice, hot.Id, new MemoryChange { Text = "Lily gave the cat a fish.", Reason = "fixed" });
        var next = await scheduler.RunAsync(Alice, Cube);
        var stale = next.Single(t => t.From == MemoryKind.Activation);
        Assert.Equal((toActivation.Derived.Id, MemoryKind.Plaintext), (stale.Derived.Id, stale.To));
        Assert.Contains("changed", stale.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_forgetting_job_leaves_the_schedulers_cartridge_and_adapter_to_the_scheduler()
    {
        // Nothing recalls a derived memory (its sources are what a turn reinforces), so under any forgetting threshold the
        // job archived the cartridge and the adapter days after they were made: the model lost them, and every scheduler
        // run after it built the cartridge and trained the adapter again.
        var (scheduler, transitions, hot, stable) = await ScheduleAsync();
        Assert.Single(trainer.Calls);
        await memory.SetPolicyAsync(Alice, Cube, policy => policy with { ForgettingThreshold = 0.3 });
        time.Offset = TimeSpan.FromDays(12); // two days after the scheduler run: a never-recalled memory's retention is e^-2
        await memory.RecordRecallAsync(Alice, [hot.Id, .. stable.Select(s => s.Id)]); // the sources are in use

        var result = Assert.Single(await new MaintenanceRunner([new ForgettingJob()]).RunAsync(memory, Alice, Cube));

        // Of the seven, only the unused plaintext memory fades; the cartridge and the adapter are exempt.
        Assert.Equal((7, 1, 2, 4), (result.Counts["examined"], result.Counts["archived"], result.Counts["exempt"], result.Counts["kept"]));
        Assert.Equal(Plain, (await memory.GetAsync(Alice, Assert.Single(result.Actions).Id!.Value)).Text);
        foreach (var derived in transitions.Select(t => t.Derived))
        {
            Assert.Equal(LifecycleState.Active, (await memory.GetAsync(Alice, derived.Id)).State);
        }

        Assert.Empty(await scheduler.RunAsync(Alice, Cube));
        Assert.Single(trainer.Calls);
    }

    [Fact]
    public async Task Another_models_adapter_does_not_cover_a_stable_set_for_this_model()
    {
        // After a switch of checkpoint the old model's adapter (which the loader skips for this one) still counted as the
        // set's: every later run answered "covered" and the new model never got one.
        var stable = new List<MemoryItem>();
        foreach (string text in Stable)
        {
            stable.Add(await AddAsync(text, "dog"));
        }

        time.Offset = TimeSpan.FromDays(10);
        var c = Stories.Model.Config;
        var foreign = new LoraAdapter(c.Layers, c.Dim, c.KvDim, c.HiddenDim, 2, 4f, [LoraTarget.Q], Enumerable.Repeat((byte)7, 32).ToArray());
        var others = new ParametricMemories(memory, new ParametricMemoryOptions { Folder = Path.Combine(folder.File("derived"), "adapters"), Actor = "mem-scheduler" });
        var old = await others.RegisterAsync(Alice, Cube, foreign, [.. stable.OrderBy(s => s.Id.ToString(), StringComparer.Ordinal)]);

        var scheduler = new MemScheduler(memory, Stories.Generator, trainer, new MemSchedulerOptions { Folder = folder.File("derived") });
        var transitions = await scheduler.RunAsync(Alice, Cube);
        var ours = Assert.Single(transitions, t => t.To == MemoryKind.Parametric);
        Assert.Equal(stable.Select(s => s.Id).Order(), ours.Sources.Order());
        Assert.Single(trainer.Calls);
        Assert.Equal(LifecycleState.Active, (await memory.GetAsync(Alice, old.Id)).State); // still right for its own model

        // Ours now covers the set, whatever order the two are listed in.
        Assert.DoesNotContain(await scheduler.RunAsync(Alice, Cube), t => t.To == MemoryKind.Parametric || t.From == MemoryKind.Parametric);
    }

    [Fact]
    public async Task Only_topical_tags_relate_memories_not_the_tags_every_fact_or_session_summary_carries()
    {
        // Every extracted fact carries the agent's fact tag and every summary the summary job's tags, and none of them was an
        // unrelated tag: a user's facts a week old made one set, trained again into a new adapter whenever another fact aged
        // in, and a fact with a topic tag sorting after 'fact' joined that set instead of its topic's.
        var pets = new List<MemoryItem>();
        foreach (string text in Stable)
        {
            pets.Add(await AddAsync(text, MemoryAgent.FactTag, "pets"));
        }

        foreach (string text in (string[])["Tom had a red hat.", "Sue lived by the sea.", "Ben liked to sing."])
        {
            await AddAsync(text, MemoryAgent.FactTag);
        }

        foreach (string text in (string[])["Lily and Tom played in the park.", "Sue told Ben about the sea.", "Mom baked a cake."])
        {
            await AddAsync(text, SessionSummaryJob.KindTag, SessionSummaryJob.SummaryTag);
        }

        time.Offset = TimeSpan.FromDays(10);
        var scheduler = new MemScheduler(memory, Stories.Generator, trainer, new MemSchedulerOptions { Folder = folder.File("derived") });

        var set = Assert.Single(await scheduler.RunAsync(Alice, Cube), t => t.To == MemoryKind.Parametric);
        Assert.Equal(pets.Select(p => p.Id).Order(), set.Sources.Order());
        Assert.Contains("3 memories tagged 'pets'", set.Reason, StringComparison.Ordinal);
        Assert.Single(trainer.Calls);

        // A fact that ages in later joins no set: the adapter stays and nothing is trained again.
        await AddAsync("The dog had a big bone.", MemoryAgent.FactTag);
        time.Offset = TimeSpan.FromDays(20);
        Assert.DoesNotContain(await scheduler.RunAsync(Alice, Cube), t => t.To == MemoryKind.Parametric || t.From == MemoryKind.Parametric);
        Assert.Single(trainer.Calls);
    }

    [Fact]
    public async Task Users_core_blocks_in_a_shared_cube_never_make_a_stable_set_nor_join_an_adapter()
    {
        // 'core-block' counted as a topic: three unedited blocks of any users of a shared cube made a stable set, and their
        // private texts were trained into one adapter, which the loader loads for every user of the cube.
        var bob = new Scope(Alice.Tenant, "bob");
        await memory.SetGrantsAsync(Alice, Cube, [new CubeGrant("bob", null, CubeAccess.ReadWrite)]);
        var blocks = new CoreMemoryBlocks(memory);
        await blocks.AppendAsync(Alice, Cube, "persona", "You are Alice's helper.");
        await blocks.AppendAsync(Alice, Cube, "human", "Alice is pregnant and has not told anyone.");
        await blocks.AppendAsync(bob, Cube, "human", "Bob is in debt.");
        var stable = new List<MemoryItem>();
        foreach (string text in Stable)
        {
            stable.Add(await AddAsync(text, "dog"));
        }

        time.Offset = TimeSpan.FromDays(10);
        var scheduler = new MemScheduler(memory, Stories.Generator, trainer, new MemSchedulerOptions { Folder = folder.File("derived") });

        // The topical set alone is trained.
        var set = Assert.Single(await scheduler.RunAsync(Alice, Cube));
        Assert.Equal(MemoryKind.Parametric, set.To);
        Assert.Equal(stable.Select(s => s.Id).Order(), set.Sources.Order());
        Assert.Equal(stable.OrderBy(s => s.Id.ToString(), StringComparer.Ordinal).Select(s => s.Text), Assert.Single(trainer.Calls).Texts);

        // Not for want of the default unrelated tags: with none, a block still joins no set.
        var untagged = new MemScheduler(memory, Stories.Generator, trainer, new MemSchedulerOptions { Folder = folder.File("derived"), UnrelatedTags = [] });
        Assert.Empty(await untagged.RunAsync(Alice, Cube));
        Assert.Single(trainer.Calls);
    }

    [Fact]
    public async Task Agent_over_a_local_model_loads_activation_and_parametric_memory_instead_of_pasting_their_texts()
    {
        var (_, transitions, _, _) = await ScheduleAsync();
        var cartridgeMemory = transitions.Single(t => t.To == MemoryKind.Activation).Derived;
        var adapterMemory = transitions.Single(t => t.To == MemoryKind.Parametric).Derived;
        var cartridge = KvCartridge.Load(ActivationMemoryScheduler.ResolveCartridgeFile(cartridgeMemory));
        var adapter = ParametricMemories.LoadAdapter(adapterMemory, Stories.Model);

        using var client = new LocalChatClient(Stories.Model, Stories.Tokenizer, "stories260K");
        var agent = new MemoryAgent(new GreedyClient(client), memory, AgentOptions());
        for (int turnNumber = 0; turnNumber < 2; turnNumber++)
        {
            var turn = await agent.ChatAsync("alice", "Lily and the dog");
            var state = turn.Response.AdditionalProperties!;
            string prompt = (string)state[LocalChatClient.PromptKey]!;

            // Neither the hot memory nor the stable set is in the prompt text; the ordinary memory still is.
            Assert.DoesNotContain(Hot, prompt, StringComparison.Ordinal);
            Assert.All(Stable, text => Assert.DoesNotContain(text, prompt, StringComparison.Ordinal));
            Assert.DoesNotContain("KV cartridge", prompt, StringComparison.Ordinal);
            Assert.DoesNotContain("LoRA adapter", prompt, StringComparison.Ordinal);
            Assert.Contains(Plain, prompt, StringComparison.Ordinal);

            // The model's input state has them: the cache held the cartridge's tokens before the prompt, and the adapter was applied.
            Assert.Equal(cartridge.Count, state[LocalChatClient.PrefixTokensKey]);
            Assert.Equal(Stories.Tokenizer.EncodeToIds(Hot, bos: true).Length, cartridge.Count);
            Assert.Equal([Convert.ToHexStringLower(adapter.ComputeId())], (string[])state[LocalChatClient.AdapterIdsKey]!);
            Assert.Equal([cartridgeMemory.Id, adapterMemory.Id], turn.LoadedMemories);
            Assert.Equal(Stories.Tokenizer.EncodeToIds(prompt, bos: false).Length, turn.Response.Usage!.InputTokenCount);

            // And the reply is exactly what the model gives with that cartridge and adapter loaded in front of that prompt.
            var direct = await client.GetResponseAsync([new ChatMessage(ChatRole.User, prompt)], new ChatOptions
            {
                Temperature = 0,
                MaxOutputTokens = 20,
                AdditionalProperties = new() { [LocalChatClient.MemoryStateKey] = new LocalMemoryState([cartridge], [adapter]) },
            });
            Assert.Equal(direct.Text, turn.Text);
        }
    }

    [Fact]
    public async Task A_cartridge_this_build_cannot_read_is_skipped_and_the_turn_goes_on()
    {
        // Loaded unguarded, a cartridge of a newer format version (or one a concurrent purge deleted) failed every turn.
        var (_, transitions, hot, _) = await ScheduleAsync();
        var cartridgeMemory = transitions.Single(t => t.To == MemoryKind.Activation).Derived;
        var adapterMemory = transitions.Single(t => t.To == MemoryKind.Parametric).Derived;
        byte[] bytes = File.ReadAllBytes(ActivationMemoryScheduler.ResolveCartridgeFile(cartridgeMemory));
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), KvCartridge.FormatVersion + 1); // after the magic
        string newer = folder.File("newer.amkv");
        File.WriteAllBytes(newer, bytes);
        var draft = DerivedPayloads.Draft(ActivationMemoryScheduler.Cartridges, "KV cartridge (newer format)", PayloadRef.ForLocalFile(newer, cartridgeMemory.Payload!.MediaType),
            [hot], "mem-scheduler", "made by a newer build", null);
        await memory.SetStateAsync(Alice, cartridgeMemory.Id, LifecycleState.Archived, "replaced by a newer build");
        await memory.AddAsync(Alice, Cube, draft);

        using var client = new LocalChatClient(Stories.Model, Stories.Tokenizer, "stories260K");
        var turn = await new MemoryAgent(new GreedyClient(client), memory, AgentOptions()).ChatAsync("alice", "Lily and the dog");

        // The cartridge's source is pasted instead; the adapter is still loaded.
        Assert.Equal([adapterMemory.Id], turn.LoadedMemories);
        Assert.Contains(Hot, (string)turn.Response.AdditionalProperties![LocalChatClient.PromptKey]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task On_a_backend_that_cannot_attach_adapters_the_adapter_is_skipped_and_its_sources_are_pasted()
    {
        // Adapters run on the CPU backend only. Loaded for an ILGPU model (same weights, so the same fingerprint), the adapter
        // made LocalChatClient throw NotSupportedException on every turn until the memory was archived.
        var (_, transitions, hot, _) = await ScheduleAsync();
        var cartridgeMemory = transitions.Single(t => t.To == MemoryKind.Activation).Derived;
        using var model = LoadOnIlgpuCpu();
        Assert.Equal(ComputeBackendKind.Ilgpu, model.Backend);

        var loaded = await LocalMemoryLoader.LoadAsync(memory, Alice, Cube, model);
        Assert.Empty(loaded.Parametric);
        Assert.Empty(loaded.State.Adapters);
        Assert.Equal([cartridgeMemory.Id], loaded.Activation.Select(m => m.Id));
        Assert.Equal([hot.Id], loaded.Sources);

        // The turn goes on: the cartridge is loaded, the stable set's texts are pasted instead of the adapter.
        using var client = new LocalChatClient(model, Stories.Tokenizer, "stories260K");
        var turn = await new MemoryAgent(new GreedyClient(client), memory, AgentOptions()).ChatAsync("alice", "Lily and the dog");
        Assert.Equal([cartridgeMemory.Id], turn.LoadedMemories);
        string prompt = (string)turn.Response.AdditionalProperties![LocalChatClient.PromptKey]!;
        Assert.All(Stable, text => Assert.Contains(text, prompt, StringComparison.Ordinal));
        Assert.DoesNotContain(Hot, prompt, StringComparison.Ordinal);
        Assert.Empty((string[])turn.Response.AdditionalProperties[LocalChatClient.AdapterIdsKey]!);
    }

    /// <summary>
    /// The stories model on ILGPU's CPU accelerator, as the backend tests run it; the device variable is read when the
    /// process's backend is first made, and put back so it reaches no other test or child process.
    /// </summary>
    private static LlamaModel LoadOnIlgpuCpu()
    {
        string? before = Environment.GetEnvironmentVariable("AGENTMEM_ILGPU_DEVICE");
        Environment.SetEnvironmentVariable("AGENTMEM_ILGPU_DEVICE", "cpu");
        try
        {
            return LlamaModel.Load(RepoPaths.StoriesModel, new ModelLoadOptions { Backend = ComputeBackendKind.Ilgpu });
        }
        finally
        {
            Environment.SetEnvironmentVariable("AGENTMEM_ILGPU_DEVICE", before);
        }
    }

    [Fact]
    public async Task A_cartridge_that_leaves_no_room_for_the_prompt_and_a_reply_is_not_loaded_and_its_sources_are_pasted()
    {
        // The loader checked only that a cartridge fit the context alone: one promoted with the default 64 positions to spare
        // left too few for the agent's prompt, and every local turn threw (or, just fitting, got an empty reply).
        foreach (string text in Long)
        {
            SetRecallCount(await AddAsync(text), 5);
        }

        var scheduler = new ActivationMemoryScheduler(memory, Stories.Generator, new ActivationSchedulerOptions { TopN = 8, ReserveTokens = 64, Folder = folder.File("carts") });
        var promotion = await scheduler.PromoteAsync(Alice, Cube);
        Assert.True(promotion.Tokens > Stories.Model.Config.SeqLen - 100, $"{promotion.Tokens} tokens");

        using var client = new LocalChatClient(Stories.Model, Stories.Tokenizer, "stories260K");
        var options = AgentOptions();
        options.Instructions = new MemoryAgentOptions().Instructions;
        options.ContextTokenBudget = 64; // the pasted context must fit the model's context too
        var logger = new RecordingLogger();
        options.Logger = logger;
        var turn = await new MemoryAgent(new GreedyClient(client), memory, options).ChatAsync("alice", "Lily and the dog");

        Assert.Empty(turn.LoadedMemories);
        var state = turn.Response.AdditionalProperties!;
        string prompt = (string)state[LocalChatClient.PromptKey]!;
        Assert.Equal(0, state[LocalChatClient.PrefixTokensKey]);
        Assert.Contains(Long[0], prompt, StringComparison.Ordinal);
        Assert.Equal(turn.Response.Usage!.InputTokenCount, client.CountPromptTokens([new ChatMessage(ChatRole.User, prompt)]));
        Assert.Contains(logger.Lines, line => line.Contains("sources are pasted instead", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Memories_loaded_into_the_model_that_the_reply_drew_on_are_reinforced()
    {
        // Left out of the pasted context, the loaded sources were never evidence: a promoted memory's recalls froze, so the
        // forgetting job archived it and other memories overtook it in the ranking.
        var (_, transitions, hot, _) = await ScheduleAsync();
        using var local = new LocalChatClient(Stories.Model, Stories.Tokenizer, "stories260K");
        var turn = await new MemoryAgent(new FixedReplyClient(local, Hot), memory, AgentOptions()).ChatAsync("alice", "Lily and the dog");

        Assert.Contains(transitions.Single(t => t.To == MemoryKind.Activation).Derived.Id, turn.LoadedMemories);
        Assert.Contains(hot.Id, turn.Evidence);
        var after = await memory.GetAsync(Alice, hot.Id);
        Assert.Equal(6, after.RecallCount);
        Assert.NotNull(after.LastRecalledAt); // never recalled before: the count was set in the file
    }

    [Fact]
    public async Task Agent_over_a_remote_model_keeps_pasting_plaintext()
    {
        await ScheduleAsync();
        var remote = new ScriptedChatClient(ScriptedChatClient.Say("ok"));
        var agent = new MemoryAgent(remote, memory, AgentOptions());
        var turn = await agent.ChatAsync("alice", "Lily and the dog");

        string system = remote.Requests.Single().Messages[0].Text;
        Assert.Contains(Hot, system, StringComparison.Ordinal);
        Assert.All(Stable, text => Assert.Contains(text, system, StringComparison.Ordinal));
        Assert.Empty(turn.LoadedMemories);
        Assert.Null(remote.Requests.Single().Options);
    }

    /// <summary>Answers <paramref name="reply"/> without running the model; <see cref="IChatClient.GetService"/> still finds the local client.</summary>
    private sealed class FixedReplyClient(IChatClient inner, string reply) : DelegatingChatClient(inner)
    {
        public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, reply)));
    }

    /// <summary>Greedy, short replies: the agent passes only its own options, so the test pins decoding here.</summary>
    private sealed class GreedyClient(IChatClient inner) : DelegatingChatClient(inner)
    {
        public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            var pinned = options?.Clone() ?? new ChatOptions();
            (pinned.Temperature, pinned.MaxOutputTokens) = (0, 20);
            return base.GetResponseAsync(messages, pinned, cancellationToken);
        }
    }
}
