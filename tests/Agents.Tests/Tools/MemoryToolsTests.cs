using System.Text.Json;
using AgentMem.Agents.Tools;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using Microsoft.Extensions.AI;
using static AgentMem.Agents.Tests.Tools.ToolJson;

namespace AgentMem.Agents.Tests.Tools;

public sealed class MemoryToolsTests : IAsyncLifetime
{
    private static readonly Scope Ann = new("acme", "ann");
    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);
    private readonly TempMemory temp = new();
    private readonly IReadOnlyList<Microsoft.Extensions.AI.AIFunction> tools;

    public MemoryToolsTests() => tools = MemoryTools.Create(temp.Memory, Ann, "notes");

    // xunit v2 calls IAsyncLifetime, not IAsyncDisposable, on a test class: the temporary database is removed here.
    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => temp.DisposeAsync().AsTask();

    [Fact]
    public void Exposes_six_named_tools_with_descriptions()
    {
        Assert.Equal(["memory_search", "memory_add", "memory_update", "memory_delete", "memory_history", "memory_links"], tools.Select(t => t.Name));
        Assert.All(tools, t => Assert.False(string.IsNullOrWhiteSpace(t.Description)));
    }

    [Theory]
    [InlineData("memory_search", "query", "What to look for")]
    [InlineData("memory_search", "mode", "bm25")]
    [InlineData("memory_add", "text", "The fact or event to remember")]
    [InlineData("memory_add", "eventTime", "ISO-8601")]
    [InlineData("memory_add", "speaker", "who said")]
    [InlineData("memory_add", "reason", "worth remembering")]
    [InlineData("memory_update", "reason", "Why it changed")]
    [InlineData("memory_delete", "purge", "erase the memory")]
    [InlineData("memory_history", "id", "Id of the memory")]
    [InlineData("memory_links", "id", "Id of the memory")]
    public void Schemas_name_and_describe_the_parameters(string tool, string parameter, string descriptionPart)
    {
        var schema = Find(tools, tool).JsonSchema;
        var property = schema.GetProperty("properties").GetProperty(parameter);
        Assert.Contains(descriptionPart, property.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("cancellationToken", schema.GetRawText(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Required_parameters_are_marked_required()
    {
        var required = Find(tools, "memory_add").JsonSchema.GetProperty("required").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(["text"], required);
    }

    [Fact]
    public async Task Add_then_search_finds_the_memory_with_speaker_and_date()
    {
        var added = await CallAsync<MemoryAddResult>(tools, "memory_add", """{"text":"Ann adopted a cat named Miso","tags":["pet"],"eventTime":"2024-05-07","speaker":"Ann"}""");
        Assert.True(added.Created);
        await CallAsync<MemoryAddResult>(tools, "memory_add", """{"text":"Ann works as a nurse in Lyon"}""");

        foreach (var mode in new[] { "hybrid", "bm25", "vector" })
        {
            var hits = await CallAsync<List<MemoryHitResult>>(tools, "memory_search", $$"""{"query":"cat Miso","k":3,"mode":"{{mode}}"}""");
            var top = hits[0];
            Assert.Equal(added.Id, top.Id);
            Assert.Equal("Ann", top.Speaker);
            Assert.Equal("2024-05-07", top.Date);
            Assert.True(top.Score > 0, $"{mode}: {top.Score}");
        }

        var item = await temp.Memory.GetAsync(Ann, MemoryId.Parse(added.Id));
        Assert.Equal(["pet"], item.Tags);
    }

    [Fact]
    public async Task A_long_memory_reaches_the_model_cut_to_a_bound_in_every_mode_and_in_its_history()
    {
        string log = "zorblax failure in the build: " + string.Concat(Enumerable.Repeat("line of a pasted build log with timings and paths ", 6_000)) + "end";
        var added = await CallAsync<MemoryAddResult>(tools, "memory_add", JsonSerializer.Serialize(new { text = log }));

        foreach (var mode in new[] { "hybrid", "bm25", "vector" })
        {
            var hit = (await CallAsync<List<MemoryHitResult>>(tools, "memory_search", $$"""{"query":"zorblax failure","k":3,"mode":"{{mode}}"}"""))
                .Single(h => h.Id == added.Id);
            Assert.InRange(hit.Text.Length, 1, MemoryTools.MaxTextChars + 1);
            Assert.Equal(log.Length, hit.FullLength);
        }

        var version = Assert.Single((await CallAsync<MemoryHistoryResult>(tools, "memory_history", $$"""{"id":"{{added.Id}}"}""")).Versions);
        Assert.InRange(version.Text.Length, 1, MemoryTools.MaxTextChars + 1);
        Assert.Equal(log.Length, version.FullLength);
    }

    [Fact]
    public async Task Add_keeps_why_the_memory_was_written_in_its_audit_line()
    {
        var added = await CallAsync<MemoryAddResult>(tools, "memory_add", """{"text":"Ann is allergic to peanuts","reason":"  she asked me to remember  "}""");
        var id = MemoryId.Parse(added.Id);
        Assert.Equal("she asked me to remember", (await temp.Memory.GetAsync(Ann, id)).StateReason);
        await CallAsync<MemoryVersionResult>(tools, "memory_update", $$"""{"id":"{{added.Id}}","text":"Ann is allergic to peanuts and cashews","reason":"she added cashews"}""");
        var audit = await temp.Memory.GetAuditAsync(Ann, id);
        Assert.Equal("she asked me to remember", Assert.Single(audit, a => a.Action == "add").Detail);

        var plain = await CallAsync<MemoryAddResult>(tools, "memory_add", """{"text":"Ann owns a bike","reason":"   "}""");
        Assert.Null((await temp.Memory.GetAsync(Ann, MemoryId.Parse(plain.Id))).StateReason);
    }

    [Fact]
    public async Task Adding_the_same_text_twice_returns_the_existing_id()
    {
        var first = await CallAsync<MemoryAddResult>(tools, "memory_add", """{"text":"Ann likes jazz"}""");
        var second = await CallAsync<MemoryAddResult>(tools, "memory_add", """{"text":"Ann likes jazz"}""");
        Assert.Equal(first.Id, second.Id);
        Assert.False(second.Created);
    }

    [Fact]
    public async Task Adding_a_forgotten_text_again_brings_it_back()
    {
        // "Already remembered" must be true: an archived memory is in no search.
        var first = await CallAsync<MemoryAddResult>(tools, "memory_add", """{"text":"Ann is allergic to peanuts"}""");
        await temp.Memory.SetStateAsync(Ann, MemoryId.Parse(first.Id), LifecycleState.Archived, "faded");

        var again = await CallAsync<MemoryAddResult>(tools, "memory_add", """{"text":"Ann is allergic to peanuts"}""");

        Assert.Equal((first.Id, false), (again.Id, again.Created));
        Assert.Equal(LifecycleState.Active, (await temp.Memory.GetAsync(Ann, MemoryId.Parse(first.Id))).State);
        Assert.Contains(await temp.Memory.SearchAsync(Ann, "notes", "peanuts"), h => h.Item.Id.ToString() == first.Id);
    }

    [Fact]
    public async Task Search_before_anything_is_remembered_is_empty()
    {
        var hits = await CallAsync<List<MemoryHitResult>>(tools, "memory_search", """{"query":"anything"}""");
        Assert.Empty(hits);
    }

    [Fact]
    public async Task Update_history_and_delete_write_versions()
    {
        var added = await CallAsync<MemoryAddResult>(tools, "memory_add", """{"text":"Ann lives in Paris"}""");
        var updated = await CallAsync<MemoryVersionResult>(tools, "memory_update", $$"""{"id":"{{added.Id}}","text":"Ann lives in Berlin","reason":"moved in June"}""");
        Assert.Equal(2, updated.Version);
        Assert.Equal("Ann lives in Berlin", updated.Text);

        var history = (await CallAsync<MemoryHistoryResult>(tools, "memory_history", $$"""{"id":"{{added.Id}}"}""")).Versions;
        Assert.Equal([1, 2], history.Select(v => v.Version));
        Assert.Equal("Superseded", history[0].State);
        Assert.Equal("moved in June", history[0].Reason);

        var deleted = await CallAsync<MemoryDeleteResult>(tools, "memory_delete", $$"""{"id":"{{added.Id}}","reason":"user asked"}""");
        Assert.False(deleted.Purged);
        Assert.Equal(3, deleted.Version);
        Assert.Equal(LifecycleState.Deleted, (await temp.Memory.GetAsync(Ann, MemoryId.Parse(added.Id))).State);

        var purged = await CallAsync<MemoryDeleteResult>(tools, "memory_delete", $$"""{"id":"{{added.Id}}","purge":true}""");
        Assert.True(purged.Purged);
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => temp.Memory.GetAsync(Ann, MemoryId.Parse(added.Id)));
    }

    [Fact]
    public async Task Updating_a_deleted_or_frozen_memory_names_only_what_the_model_can_do()
    {
        // The refusal said "Restore it (set it Active) or purge it": no tool sets a state, and a purge erases what the user
        // only deleted.
        var deleted = await CallAsync<MemoryAddResult>(tools, "memory_add", """{"text":"I like black coffee"}""");
        await CallAsync<MemoryDeleteResult>(tools, "memory_delete", $$"""{"id":"{{deleted.Id}}"}""");
        var ex = await Assert.ThrowsAsync<MemoryStateException>(async () => await Find(tools, "memory_update").InvokeAsync(Args($$"""{"id":"{{deleted.Id}}","text":"I like white coffee"}""")));
        Assert.Contains($"Memory {deleted.Id} was deleted", ex.Message, StringComparison.Ordinal);
        Assert.Contains("a person can restore it", ex.Message, StringComparison.Ordinal);
        Assert.Contains("memory_add", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("set it Active", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("purge", ex.Message, StringComparison.OrdinalIgnoreCase);

        var frozen = await CallAsync<MemoryAddResult>(tools, "memory_add", """{"text":"Ann signed the lease"}""");
        await temp.Memory.SetStateAsync(Ann, MemoryId.Parse(frozen.Id), LifecycleState.Frozen, "legal hold");
        var held = await Assert.ThrowsAsync<MemoryFrozenException>(async () => await Find(tools, "memory_update").InvokeAsync(Args($$"""{"id":"{{frozen.Id}}","text":"Ann tore up the lease"}""")));
        Assert.Contains($"Memory {frozen.Id} is frozen", held.Message, StringComparison.Ordinal);
        Assert.Contains("a person can unfreeze it", held.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Unfreeze it first", held.Message, StringComparison.Ordinal);

        // Neither was changed.
        Assert.Equal(("I like black coffee", LifecycleState.Deleted), await TextAndStateAsync(deleted.Id));
        Assert.Equal(("Ann signed the lease", LifecycleState.Frozen), await TextAndStateAsync(frozen.Id));
    }

    [Fact]
    public async Task Updating_a_forgotten_memory_brings_the_corrected_fact_back_into_search()
    {
        // The edit kept the state: the tool answered with a new version, still archived and with the old "faded" reason, and
        // no search found the correction (memory_add of the same words would have brought the memory back).
        var added = await CallAsync<MemoryAddResult>(tools, "memory_add", """{"text":"Ann works at Contoso as a nurse"}""");
        await temp.Memory.SetStateAsync(Ann, MemoryId.Parse(added.Id), LifecycleState.Archived, "faded");

        var updated = await CallAsync<MemoryVersionResult>(tools, "memory_update", $$"""{"id":"{{added.Id}}","text":"Ann works at Fabrikam as a doctor","reason":"user changed jobs"}""");

        Assert.Equal(("Ann works at Fabrikam as a doctor", "Active", "user changed jobs"), (updated.Text, updated.State, updated.Reason));
        Assert.Equal(("Ann works at Fabrikam as a doctor", LifecycleState.Active), await TextAndStateAsync(added.Id));
        foreach (var mode in new[] { "hybrid", "bm25" })
        {
            var hits = await CallAsync<List<MemoryHitResult>>(tools, "memory_search", $$"""{"query":"Where does Ann work? Fabrikam doctor","mode":"{{mode}}"}""");
            Assert.Equal(added.Id, hits[0].Id);
        }

        // The archived text is kept in the history, replaced with the caller's reason.
        var history = (await CallAsync<MemoryHistoryResult>(tools, "memory_history", $$"""{"id":"{{added.Id}}"}""")).Versions;
        Assert.Contains(history, v => v.Text == "Ann works at Contoso as a nurse" && v.Reason == "user changed jobs");
    }

    [Fact]
    public async Task Updating_a_superseded_memory_is_refused_and_names_what_the_model_can_do()
    {
        // Its text is what the fact said when it was replaced; the facade's refusal says "Restore it (set it Active)",
        // which no tool does.
        var old = await CallAsync<MemoryAddResult>(tools, "memory_add", """{"text":"Ann lives in Paris"}""");
        await temp.Memory.SupersedeAsync(Ann, MemoryId.Parse(old.Id), "superseded by a newer fact: Ann lives in Berlin");
        var ex = await Assert.ThrowsAsync<MemoryStateException>(async () => await Find(tools, "memory_update").InvokeAsync(Args($$"""{"id":"{{old.Id}}","text":"Ann lives in Lyon"}""")));
        Assert.Contains($"Memory {old.Id} was replaced", ex.Message, StringComparison.Ordinal);
        Assert.Contains("a person can restore it", ex.Message, StringComparison.Ordinal);
        Assert.Contains("memory_add", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("set it Active", ex.Message, StringComparison.Ordinal);
        Assert.Equal(("Ann lives in Paris", LifecycleState.Superseded), await TextAndStateAsync(old.Id));
    }

    [Fact]
    public async Task Deleting_or_purging_a_frozen_memory_names_only_what_the_model_can_do()
    {
        // The refusal said "Unfreeze it first": no tool sets a state.
        var frozen = await CallAsync<MemoryAddResult>(tools, "memory_add", """{"text":"Ann signed the lease"}""");
        await temp.Memory.SetStateAsync(Ann, MemoryId.Parse(frozen.Id), LifecycleState.Frozen, "legal hold");

        foreach (var purge in new[] { "false", "true" })
        {
            var held = await Assert.ThrowsAsync<MemoryFrozenException>(async () => await Find(tools, "memory_delete").InvokeAsync(Args($$"""{"id":"{{frozen.Id}}","purge":{{purge}}}""")));
            Assert.Contains($"Memory {frozen.Id} is frozen", held.Message, StringComparison.Ordinal);
            Assert.Contains("only a person can unfreeze it", held.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("Unfreeze it first", held.Message, StringComparison.Ordinal);
        }

        Assert.Equal(("Ann signed the lease", LifecycleState.Frozen), await TextAndStateAsync(frozen.Id));
    }

    private async Task<(string Text, LifecycleState State)> TextAndStateAsync(string id)
    {
        var item = await temp.Memory.GetAsync(Ann, MemoryId.Parse(id));
        return (item.Text, item.State);
    }

    [Fact]
    public async Task An_error_inside_the_host_reaches_the_caller_as_a_short_error_naming_the_tool_and_is_logged_in_full()
    {
        // Every exception's message went to the model: a store's I/O error named the database's path, host and user.
        const string secret = "Could not open '/srv/agentmem/tenants/acme/secret-prod.db' on host db-primary.internal.corp:5432 (user=agentmem_admin)";
        using var folder = new TempFolder("tools-internal-error");
        var inner = Stores.Sqlite.SqliteMemoryStore.Open(folder.File("t.db"));
        var store = Stores.Tests.InterceptedStore.Over(inner, (method, _) => method == "AddAsync" ? throw new IOException(secret) : null);
        await using var memory = new MemoryCore.MemoryOS(store, new Retrieval.Lexical.Bm25Retriever(store));
        await memory.CreateCubeAsync(Ann, "notes");
        var logger = new RecordingLogger();
        List<Microsoft.Extensions.AI.AIFunction> all = [.. MemoryTools.Create(memory, Ann, "notes", logger), .. CoreBlockTools.Create(new Agents.Blocks.CoreMemoryBlocks(memory), Ann, "notes", logger)];

        foreach (var (tool, json) in new[] { ("memory_add", """{"text":"Ann likes tea."}"""), ("core_memory_append", """{"name":"human","text":"Ann likes tea."}""") })
        {
            var ex = await Assert.ThrowsAsync<AgentMemException>(() => Find(all, tool).InvokeAsync(Args(json)).AsTask());
            Assert.Contains(tool, ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("secret-prod", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("db-primary", ex.Message, StringComparison.Ordinal);
            Assert.Contains(logger.Lines, line => line.Contains(tool, StringComparison.Ordinal) && line.Contains(secret, StringComparison.Ordinal));
        }

        // The tools' own errors still say how to fix the call, and the library's domain errors keep their message.
        var bad = await Assert.ThrowsAsync<ArgumentException>(() => Find(all, "memory_search").InvokeAsync(Args("""{"query":"tea","k":99}""")).AsTask());
        Assert.Contains("k must be between 1 and 50", bad.Message, StringComparison.Ordinal);
        var missing = await Assert.ThrowsAsync<MemoryNotFoundException>(() => Find(all, "memory_history").InvokeAsync(Args("""{"id":"01JD3Z5Q8Y4V6N2K7M9P0R1S2T"}""")).AsTask());
        Assert.Contains("01JD3Z5Q8Y4V6N2K7M9P0R1S2T", missing.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_purge_that_left_a_cartridge_file_answers_purged_with_the_count_and_no_path()
    {
        // The committed purge threw, naming local paths to the model, which took it for a failure and retried ("not found").
        using var folder = new TempFolder("tools-files-left");
        string cartridge = folder.File("held.amkv");
        await File.WriteAllTextAsync(cartridge, "token ids of: ann's locker code is wombat7731");
        var payload = PayloadRef.ForLocalFile(cartridge, "application/x-agentmem-kv");
        await temp.Memory.CreateCubeAsync(Ann, "notes");
        var activation = await temp.Memory.AddAsync(Ann, "notes", new MemoryDraft("KV cartridge: ann's locker code is wombat7731") { Kind = MemoryKind.Activation, Payload = payload });
        var logger = new RecordingLogger();
        var logged = MemoryTools.Create(temp.Memory, Ann, "notes", logger);

        // An immutable file: not even root may delete it.
        Skip.IfNot(ImmutableFile.TrySet(cartridge, immutable: true), "needs chattr on a file system with the immutable attribute (ext4), as CI has");
        try
        {
            var result = await Find(logged, "memory_delete").InvokeAsync(Args($$"""{"id":"{{activation.Id}}","purge":true}"""));
            string json = JsonSerializer.Serialize(result);
            var purged = JsonSerializer.Deserialize<MemoryDeleteResult>(json, WebJson)!;

            Assert.Equal((activation.Id.ToString(), true, null, 1), (purged.Id, purged.Purged, purged.Version, purged.FilesLeft));
            Assert.DoesNotContain(folder.Path, json, StringComparison.Ordinal);
            await Assert.ThrowsAsync<MemoryNotFoundException>(() => temp.Memory.GetAsync(Ann, activation.Id));

            // The host's log names the file, for an operator to delete by hand.
            Assert.Contains(logger.Lines, line => line.Contains(cartridge, StringComparison.Ordinal));
        }
        finally
        {
            ImmutableFile.TrySet(cartridge, immutable: false);
        }
    }

    [Fact]
    public async Task A_purge_whose_index_could_not_drop_it_answers_purged_with_what_was_left_and_no_zero_count()
    {
        // A change listener failed and no file was left: the answer said FilesLeft 0, which reads as nothing wrong.
        await temp.Memory.CreateCubeAsync(Ann, "notes");
        var added = await temp.Memory.AddAsync(Ann, "notes", new MemoryDraft("ann's locker code is wombat7731"));
        using var listener = temp.Memory.AddChangeListener(new LockedSnapshotListener());
        var tools = MemoryTools.Create(temp.Memory, Ann, "notes", new RecordingLogger());

        var result = await Find(tools, "memory_delete").InvokeAsync(Args($$"""{"id":"{{added.Id}}","purge":true}"""));
        var purged = JsonSerializer.Deserialize<MemoryDeleteResult>(JsonSerializer.Serialize(result), WebJson)!;

        Assert.True(purged.Purged);
        Assert.Null(purged.FilesLeft);
        Assert.Contains("could not be dropped", purged.LeftBehind, StringComparison.Ordinal);
        Assert.DoesNotContain("snapshot is locked", purged.LeftBehind, StringComparison.Ordinal);
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => temp.Memory.GetAsync(Ann, added.Id));
    }

    private sealed class LockedSnapshotListener : AgentMem.MemoryCore.Ports.IMemoryChangeListener
    {
        public void OnMemoriesChanged(string tenant, string cubeId)
        {
        }

        public void OnMemoryPurged(string tenant, string cubeId, MemoryId id) => throw new IOException("the index snapshot is locked");

        public void OnCubeDeleted(string tenant, string cubeId)
        {
        }
    }

    /// <summary>Keeps each message logged.</summary>

    [Fact]
    public async Task Links_shows_outgoing_and_incoming_links()
    {
        var cat = await CallAsync<MemoryAddResult>(tools, "memory_add", """{"text":"Ann adopted a cat"}""");
        var catId = MemoryId.Parse(cat.Id);
        var vet = await temp.Memory.AddAsync(Ann, "notes", new MemoryDraft("Ann took the cat to the vet") { Links = [new MemoryLink(catId, "follows", 0.8)] });
        var allergy = await temp.Memory.AddAsync(Ann, "notes", new MemoryDraft("Ann is allergic to cats") { Links = [new MemoryLink(catId, "contradicts")] });

        var fromVet = await CallAsync<MemoryLinksResult>(tools, "memory_links", $$"""{"id":"{{vet.Id}}"}""");
        var link = Assert.Single(fromVet.Outgoing);
        Assert.Equal((cat.Id, "follows", 0.8, "Ann adopted a cat"), (link.Id, link.Type, link.Weight, link.Text));
        Assert.Empty(fromVet.Incoming);

        var toCat = await CallAsync<MemoryLinksResult>(tools, "memory_links", $$"""{"id":"{{cat.Id}}"}""");
        Assert.Empty(toCat.Outgoing);
        Assert.Equal([vet.Id.ToString(), allergy.Id.ToString()], toCat.Incoming.Select(l => l.Id).Order(StringComparer.Ordinal));
        Assert.Contains(toCat.Incoming, l => l.Type == "contradicts" && l.Text == "Ann is allergic to cats");
    }

    [Fact]
    public async Task A_write_only_grantee_adds_with_memory_add_to_a_cube_it_cannot_read()
    {
        // Opening the cube asked for read access, so a write grant could not add although the add itself allows it.
        await temp.Memory.CreateCubeAsync(Ann, "inbox", grants: [new AgentMem.MemoryCore.Cubes.CubeGrant("carol", null, AgentMem.MemoryCore.Cubes.CubeAccess.Write)]);
        var carol = MemoryTools.Create(temp.Memory, new Scope("acme", "carol"), "inbox");

        var added = await CallAsync<MemoryAddResult>(carol, "memory_add", """{"text":"carol's parcel arrived"}""");
        Assert.True(added.Created);
        Assert.Equal("carol's parcel arrived", (await temp.Memory.GetAsync(Ann, MemoryId.Parse(added.Id))).Text);
        await Assert.ThrowsAnyAsync<AccessDeniedException>(() => temp.Memory.GetAsync(new Scope("acme", "carol"), MemoryId.Parse(added.Id)));
    }

    [Fact]
    public async Task Long_histories_and_many_links_are_listed_in_part_and_say_so()
    {
        // One call returned every version and every link: hundreds of them put megabytes into the model's context.
        await temp.Memory.GetOrCreateCubeAsync(Ann, "notes");
        var hub = await temp.Memory.AddAsync(Ann, "notes", new MemoryDraft("Session summary"));
        var linking = Enumerable.Range(0, MemoryTools.MaxListedItems + 5).Select(i => new MemoryDraft($"turn {i}") { Links = [new MemoryLink(hub.Id, "related")] }).ToList();
        var added = await temp.Memory.AddBatchAsync(Ann, "notes", linking);
        var outward = await temp.Memory.AddAsync(Ann, "notes", new MemoryDraft("index") { Links = [.. added.Select(a => new MemoryLink(a.Id, "related"))] });
        for (int i = 0; i < MemoryTools.MaxListedItems + 2; i++)
        {
            await temp.Memory.UpdateAsync(Ann, hub.Id, new MemoryChange { Text = $"Session summary, edit {i}", Reason = "edit" });
        }

        var history = await CallAsync<MemoryHistoryResult>(tools, "memory_history", $$"""{"id":"{{hub.Id}}"}""");
        Assert.Equal((MemoryTools.MaxListedItems, MemoryTools.MaxListedItems + 3), (history.Versions.Count, history.Total));
        Assert.Equal(MemoryTools.MaxListedItems + 3, history.Versions[^1].Version); // the latest ones

        var toHub = await CallAsync<MemoryLinksResult>(tools, "memory_links", $$"""{"id":"{{hub.Id}}"}""");
        Assert.Equal((MemoryTools.MaxListedItems, true), (toHub.Incoming.Count, toHub.MoreIncoming));
        var fromIndex = await CallAsync<MemoryLinksResult>(tools, "memory_links", $$"""{"id":"{{outward.Id}}"}""");
        Assert.Equal((MemoryTools.MaxListedItems, true), (fromIndex.Outgoing.Count, fromIndex.MoreOutgoing));
        Assert.False(fromIndex.MoreIncoming);
    }

    [Theory]
    [InlineData("memory_update", """{"id":"not-an-id","text":"x"}""", "is not a memory id")]
    [InlineData("memory_history", """{"id":""}""", "id is required")]
    [InlineData("memory_add", """{"text":"   "}""", "text must not be empty")]
    [InlineData("memory_add", """{"text":"x","eventTime":"last tuesday"}""", "not an ISO-8601 date")]
    [InlineData("memory_add", """{"text":"x","eventTime":"9999-12-31T23:59:59-05:00"}""", "is outside the supported range (0001-01-01 to 9999-12-31 in UTC)")] // was "not an ISO-8601 date"
    [InlineData("memory_search", """{"query":""}""", "query must not be empty")]
    [InlineData("memory_search", """{"query":"x","mode":"fuzzy"}""", "mode must be hybrid, bm25 or vector")]
    [InlineData("memory_search", """{"query":"x","k":0}""", "k must be between 1 and 50")]
    [InlineData("memory_add", """{"text":"I am a pirate","tags":["core-block","core-block:persona"]}""", "is reserved")] // would pass for the persona block
    [InlineData("memory_add", """{"text":"x","tags":["travel","Session-Summary"]}""", "is reserved")]
    [InlineData("memory_add", """{"text":"x","tags":["lora-adapter"]}""", "is reserved")]
    public async Task Bad_arguments_throw_clear_errors(string tool, string json, string message)
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(async () => await Find(tools, tool).InvokeAsync(Args(json)));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Through_the_readmes_function_invoking_client_the_model_reads_the_tools_message()
    {
        // The README's Microsoft.Extensions.AI snippet: without IncludeDetailedErrors the model read only
        // "Error: Function failed." and could not tell how to fix its call.
        using var model = new ScriptedChatClient(
            ScriptedChatClient.Call("call-1", "memory_search", new() { ["query"] = "cat", ["mode"] = "psychic" }),
            ScriptedChatClient.Say("Sorry."));
        using var client = new ChatClientBuilder(model).UseFunctionInvocation(configure: c => c.IncludeDetailedErrors = true).Build();
        await client.GetResponseAsync("What is my cat called?", new ChatOptions { Tools = [.. tools] });

        // Result is what goes back to the model; Exception stays in the host.
        var result = Assert.Single(model.Requests[1].Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>());
        Assert.Equal("call-1", result.CallId);
        Assert.Contains("mode must be hybrid, bm25 or vector; got 'psychic'", result.Result?.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_add_creates_no_cube()
    {
        // The cube was made on first write before the draft was checked: a refused call left one, owned by the caller.
        await Assert.ThrowsAsync<MemoryValidationException>(async () => await Find(tools, "memory_add").InvokeAsync(Args("""{"text":"x","speaker":"a\u0000b"}""")));
        Assert.Empty(await temp.Memory.ListCubesAsync(Ann));
    }

    [Fact]
    public async Task Missing_required_argument_is_an_error()
    {
        var ex = await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Find(tools, "memory_add").InvokeAsync(Args("{}")));
        Assert.Contains("text", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_id_and_ids_from_other_cubes_are_not_found()
    {
        var unknown = MemoryId.NewId().ToString();
        var ex = await Assert.ThrowsAsync<MemoryNotFoundException>(async () => await Find(tools, "memory_history").InvokeAsync(Args($$"""{"id":"{{unknown}}"}""")));
        Assert.Contains($"No memory {unknown} in cube 'notes'", ex.Message, StringComparison.Ordinal);

        var elsewhere = await temp.Memory.AddAsync(Ann, (await temp.Memory.GetOrCreateCubeAsync(Ann, "private")).Id, new MemoryDraft("secret"));
        await CallAsync<MemoryAddResult>(tools, "memory_add", """{"text":"creates the notes cube"}""");
        await Assert.ThrowsAsync<MemoryNotFoundException>(async () => await Find(tools, "memory_delete").InvokeAsync(Args($$"""{"id":"{{elsewhere.Id}}","purge":true}""")));
        Assert.Equal("secret", (await temp.Memory.GetAsync(Ann, elsewhere.Id)).Text);
    }

    [Fact]
    public async Task A_core_block_cannot_be_rewritten_past_its_limit_through_memory_update()
    {
        var block = await new AgentMem.Agents.Blocks.CoreMemoryBlocks(temp.Memory).AppendAsync(Ann, "notes", "human", "Name: Ann.");
        var blockId = block.Id;

        var ex = await Assert.ThrowsAsync<ArgumentException>(async () => await Find(tools, "memory_update").InvokeAsync(Args($$"""{"id":"{{blockId}}","text":"{{new string('x', 10_000)}}"}""")));
        Assert.Contains("core_memory_replace", ex.Message, StringComparison.Ordinal);
        Assert.Equal("Name: Ann.", (await temp.Memory.GetAsync(Ann, blockId)).Text);
        Assert.Equal("Name: Ann.", block.Text);
    }

    [Fact]
    public async Task Another_users_private_memory_is_neither_named_nor_linked_through_the_tools_of_a_shared_cube()
    {
        var bob = new Scope("acme", "bob");
        await temp.Memory.CreateCubeAsync(Ann, "diary-of-ann");
        var secret = await temp.Memory.AddAsync(Ann, "diary-of-ann", new MemoryDraft("Ann's diary entry"));
        await temp.Memory.CreateCubeAsync(Ann, "shared");
        await temp.Memory.SetGrantsAsync(Ann, "shared", [new MemoryCore.Cubes.CubeGrant("bob", null, MemoryCore.Cubes.CubeAccess.ReadWrite)]);
        var visible = await temp.Memory.AddAsync(Ann, "shared", new MemoryDraft("Ann and Bob plan the trip"));
        var note = await temp.Memory.AddAsync(Ann, "shared", new MemoryDraft("Ann wrote about the trip") { Links = [new MemoryLink(secret.Id, "related"), new MemoryLink(visible.Id, "about")] });
        var bobs = MemoryTools.Create(temp.Memory, bob, "shared");

        // The link into the diary is left out; the one bob may read is there.
        var links = await CallAsync<MemoryLinksResult>(bobs, "memory_links", $$"""{"id":"{{note.Id}}"}""");
        Assert.Equal([visible.Id.ToString()], links.Outgoing.Select(l => l.Id));

        // Naming the diary's memory by id answers as an unknown id would: no cube name, no owner.
        foreach (string tool in new[] { "memory_history", "memory_links", "memory_update", "memory_delete" })
        {
            var ex = await Assert.ThrowsAsync<MemoryNotFoundException>(async () => await Find(bobs, tool).InvokeAsync(Args($$"""{"id":"{{secret.Id}}","text":"x"}""")));
            Assert.DoesNotContain("diary-of-ann", ex.Message, StringComparison.Ordinal);
            Assert.Contains($"No memory {secret.Id} in cube 'shared'", ex.Message, StringComparison.Ordinal);
        }

        Assert.Equal("Ann's diary entry", (await temp.Memory.GetAsync(Ann, secret.Id)).Text);
    }

    [Fact]
    public async Task A_fact_with_the_text_of_a_core_block_gets_a_memory_of_its_own()
    {
        // The add was de-duplicated against the block: "already remembered" named the block (which memory_update refuses),
        // and the fact went with the block's next edit.
        var blocks = new AgentMem.Agents.Blocks.CoreMemoryBlocks(temp.Memory);
        var block = await blocks.AppendAsync(Ann, "notes", "human", "Ann's cat is Miso.");

        var added = await CallAsync<MemoryAddResult>(tools, "memory_add", """{"text":"Ann's cat is Miso."}""");
        Assert.True(added.Created);
        Assert.NotEqual(block.Id.ToString(), added.Id);
        Assert.Equal("Ann's cat is Miso.", (await temp.Memory.GetAsync(Ann, MemoryId.Parse(added.Id))).Text);

        // Told again, it is the fact that is already remembered, not another copy.
        var again = await CallAsync<MemoryAddResult>(tools, "memory_add", """{"text":"Ann's cat is Miso."}""");
        Assert.Equal((added.Id, false), (again.Id, again.Created));

        await blocks.ReplaceAsync(Ann, "notes", "human", "Ann's cat is Miso.", "Ann lives in Oslo.");
        var hits = await CallAsync<List<MemoryHitResult>>(tools, "memory_search", """{"query":"cat Miso","mode":"bm25"}""");
        Assert.Equal([added.Id], hits.Select(h => h.Id));
        Assert.Equal("Ann lives in Oslo.", (await temp.Memory.GetAsync(Ann, block.Id)).Text);
    }

    [Fact]
    public async Task Links_give_no_text_for_a_target_that_was_deleted()
    {
        // The outgoing link showed the deleted memory's text as if it were current, with nothing to say it was forgotten.
        var diagnosis = await CallAsync<MemoryAddResult>(tools, "memory_add", """{"text":"Ann was diagnosed with cancer"}""");
        var visit = await temp.Memory.AddAsync(Ann, "notes", new MemoryDraft("Ann saw the oncologist") { Links = [new MemoryLink(MemoryId.Parse(diagnosis.Id), "follows")] });
        await CallAsync<MemoryDeleteResult>(tools, "memory_delete", $$"""{"id":"{{diagnosis.Id}}","reason":"user asked to forget"}""");

        var links = await CallAsync<MemoryLinksResult>(tools, "memory_links", $$"""{"id":"{{visit.Id}}"}""");
        var link = Assert.Single(links.Outgoing);
        Assert.Equal((diagnosis.Id, "follows", null), (link.Id, link.Type, link.Text));
        Assert.Null(link.FullLength);
    }

    [Fact]
    public async Task Links_into_another_cube_give_only_the_link_and_say_the_target_is_elsewhere()
    {
        // A tool set bound to one cube gave an outgoing link's target in any cube the user may read with its text: a host that
        // binds the tools to "notes" to keep "private" out of the model's context leaked it. Every other tool answers that id
        // "No memory ... in cube 'notes'".
        var secret = await temp.Memory.AddAsync(Ann, (await temp.Memory.GetOrCreateCubeAsync(Ann, "private")).Id, new MemoryDraft("Ann's bank PIN is 4821"));
        var cat = await CallAsync<MemoryAddResult>(tools, "memory_add", """{"text":"Ann's cat is Miso"}""");
        var launch = await temp.Memory.AddAsync(Ann, "notes", new MemoryDraft("Ann leads the Q3 launch")
        {
            Links = [new MemoryLink(secret.Id, "related", 0.5), new MemoryLink(MemoryId.Parse(cat.Id), "about")],
        });

        var result = await Find(tools, "memory_links").InvokeAsync(Args($$"""{"id":"{{launch.Id}}"}"""));
        string json = JsonSerializer.Serialize(result, WebJson);
        Assert.DoesNotContain("4821", json, StringComparison.Ordinal);

        var links = JsonSerializer.Deserialize<MemoryLinksResult>(json, WebJson)!;
        var elsewhere = Assert.Single(links.Outgoing, l => l.Id == secret.Id.ToString());
        Assert.Equal(("related", 0.5, null, null, true), (elsewhere.Type, elsewhere.Weight, elsewhere.Text, elsewhere.FullLength, elsewhere.InOtherCube));
        var here = Assert.Single(links.Outgoing, l => l.Id == cat.Id);
        Assert.Equal(("Ann's cat is Miso", null), (here.Text, here.InOtherCube));

        // Seen from the other cube's tools, the link into it is an incoming link of another cube: not listed, as before.
        var privateTools = MemoryTools.Create(temp.Memory, Ann, "private");
        Assert.Empty((await CallAsync<MemoryLinksResult>(privateTools, "memory_links", $$"""{"id":"{{secret.Id}}"}""")).Incoming);
    }

    [Fact]
    public async Task Search_offers_the_modes_the_memory_was_composed_with_and_runs_the_one_named()
    {
        // Every host was offered vector, which a memory composed without it refused; and hybrid ran the default retriever,
        // bm25 on a host that lists it first.
        using var folder = new TempFolder("tools-modes");
        var hybrid = new CountingRetriever("hybrid");
        var store = AgentMem.Stores.Sqlite.SqliteMemoryStore.Open(folder.File("a.db"));
        await using var memory = new MemoryCore.MemoryOS(store, [new AgentMem.Retrieval.Lexical.Bm25Retriever(store), hybrid]);
        await memory.CreateCubeAsync(Ann, "notes");
        var composed = MemoryTools.Create(memory, Ann, "notes");

        string description = Find(composed, "memory_search").JsonSchema.GetProperty("properties").GetProperty("mode").GetProperty("description").GetString()!;
        Assert.Equal("Ranking: bm25 (default; keywords only) or hybrid (keywords, neighbours and embeddings).", description);

        var ex = await Assert.ThrowsAsync<ArgumentException>(async () => await Find(composed, "memory_search").InvokeAsync(Args("""{"query":"cat","mode":"vector"}""")));
        Assert.Contains("mode must be bm25 or hybrid; got 'vector'", ex.Message, StringComparison.Ordinal);

        await CallAsync<List<MemoryHitResult>>(composed, "memory_search", """{"query":"cat"}""");
        Assert.Equal(0, hybrid.Searches);
        await CallAsync<List<MemoryHitResult>>(composed, "memory_search", """{"query":"cat","mode":" Hybrid "}""");
        Assert.Equal(1, hybrid.Searches);
    }

    /// <summary>A retriever that finds nothing and counts the searches it was asked for.</summary>
    private sealed class CountingRetriever(string name) : AgentMem.MemoryCore.Ports.IRetriever
    {
        public string Name => name;

        public int Searches { get; private set; }

        public Task<IReadOnlyList<AgentMem.MemoryCore.Search.SearchHit>> SearchAsync(AgentMem.MemoryCore.Search.SearchRequest request, CancellationToken cancellationToken = default)
        {
            Searches++;
            return Task.FromResult<IReadOnlyList<AgentMem.MemoryCore.Search.SearchHit>>([]);
        }
    }

    [Fact]
    public async Task Search_gives_an_event_time_as_the_instant_it_is_and_a_date_alone_as_its_day()
    {
        // The time was kept in UTC and its UTC day given as the event date: an evening west of UTC read as the next day.
        // Now the store keeps the offset, and the tool gives the time on the speaker's clock.
        await CallAsync<MemoryAddResult>(tools, "memory_add", """{"text":"Ann's flight landed in Chicago","eventTime":"2024-05-07T23:30:00-05:00"}""");
        await CallAsync<MemoryAddResult>(tools, "memory_add", """{"text":"Ann's flight left Oslo","eventTime":"2024-05-07"}""");
        await CallAsync<MemoryAddResult>(tools, "memory_add", """{"text":"Ann's flight stopped in Reykjavik","eventTime":"2024-05-07T12:15:00Z"}""");
        await CallAsync<MemoryAddResult>(tools, "memory_add", """{"text":"Ann's flight was booked in Tokyo","eventTime":"2024-05-01T00:00:00+09:00"}""");

        var hits = await CallAsync<List<MemoryHitResult>>(tools, "memory_search", """{"query":"flight","k":5,"mode":"bm25"}""");
        Assert.Equal("2024-05-07T23:30:00-05:00", hits.Single(h => h.Text.Contains("Chicago", StringComparison.Ordinal)).Date);
        Assert.Equal("2024-05-07", hits.Single(h => h.Text.Contains("Oslo", StringComparison.Ordinal)).Date);
        Assert.Equal("2024-05-07T12:15:00Z", hits.Single(h => h.Text.Contains("Reykjavik", StringComparison.Ordinal)).Date);
        Assert.Equal("2024-05-01", hits.Single(h => h.Text.Contains("Tokyo", StringComparison.Ordinal)).Date);
    }

    [Fact]
    public async Task An_event_time_added_through_the_tool_keeps_its_offset_so_the_context_dates_it_by_the_speakers_day()
    {
        // The tool put the time in UTC before storing it, so the context dated an evening of 7 May in Chicago 8 May.
        var added = await CallAsync<MemoryAddResult>(tools, "memory_add", """{"text":"Ann's flight landed in Chicago","eventTime":"2024-05-07T23:30:00-05:00"}""");

        var stored = await temp.Memory.GetAsync(Ann, MemoryId.Parse(added.Id));
        Assert.Equal(TimeSpan.FromHours(-5), stored.ValidFrom!.Value.Offset);
        Assert.Equal(new DateTimeOffset(2024, 5, 8, 4, 30, 0, TimeSpan.Zero), stored.ValidFrom);
    }
}
