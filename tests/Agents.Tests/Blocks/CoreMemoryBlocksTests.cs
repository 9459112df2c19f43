using AgentMem.Agents.Blocks;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;

namespace AgentMem.Agents.Tests.Blocks;

public sealed class CoreMemoryBlocksTests : IAsyncLifetime
{
    private static readonly Scope Ann = new(Scope.DefaultTenant, "ann");
    private readonly TempMemory temp = new();
    private readonly CoreMemoryBlocks blocks;

    public CoreMemoryBlocksTests() => blocks = new CoreMemoryBlocks(temp.Memory, new CoreBlockOptions { Limit = 60 });

    // xunit v2 calls IAsyncLifetime, not IAsyncDisposable, on a test class: the temporary database is removed here.
    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => temp.DisposeAsync().AsTask();

    [Fact]
    public async Task Append_creates_the_block_as_a_tagged_plaintext_memory_then_adds_lines()
    {
        Assert.Empty(await blocks.ListAsync(Ann, "user-ann"));

        var created = await blocks.AppendAsync(Ann, "user-ann", "human", "Name: Ann.");
        var grown = await blocks.AppendAsync(Ann, "user-ann", "human", "  Vegetarian. ");

        Assert.Equal(("human", "Name: Ann.", 1, 60), (created.Name, created.Text, created.Version, created.Limit));
        Assert.Equal(("Name: Ann.\nVegetarian.", 2, created.Id), (grown.Text, grown.Version, grown.Id));
        var item = await temp.Memory.GetAsync(Ann, created.Id);
        Assert.Equal(MemoryKind.Plaintext, item.Kind);
        Assert.Equal(["core-block", "core-block:human"], item.Tags);
        Assert.Equal([grown], await blocks.ListAsync(Ann, "user-ann"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // one names the cube by id: the lock was keyed by the string given, so the two did not exclude each other
    public async Task Two_appends_at_once_lose_no_line_and_make_one_block(bool byId)
    {
        // The store holds each block read until a second one arrives (or 2 s pass): without a lock, both edits read the
        // block before either writes, as two chat tabs or requests of one user may.
        using var folder = new TempFolder("blocks-race");
        var inner = Stores.Sqlite.SqliteMemoryStore.Open(folder.File("r.db"));
        using var bothRead = new CountdownEvent(2);
        bool holding = false;
        var store = Stores.Tests.InterceptedStore.Over(inner, (method, _) =>
        {
            if (method == "ListAsync" && Volatile.Read(ref holding) && !bothRead.IsSet)
            {
                bothRead.Signal();
                bothRead.Wait(TimeSpan.FromSeconds(2));
            }

            return null;
        });
        await using var memory = new MemoryOS(store, new Retrieval.Lexical.Bm25Retriever(store));
        var first = new CoreMemoryBlocks(memory, new CoreBlockOptions { Limit = 2_000 });
        var second = new CoreMemoryBlocks(memory, new CoreBlockOptions { Limit = 2_000 });
        await first.AppendAsync(Ann, "user-ann", "human", "Name: Ann.");
        string other = byId ? (await memory.OpenCubeAsync(Ann, "user-ann")).Id : "user-ann";

        Volatile.Write(ref holding, true);
        await Task.WhenAll(Task.Run(() => first.AppendAsync(Ann, "user-ann", "human", "Likes tea.")), Task.Run(() => second.AppendAsync(Ann, other, "human", "Lives in Oslo.")));

        var block = Assert.Single(await first.ListAsync(Ann, "user-ann"));
        Assert.Equal(["Likes tea.", "Lives in Oslo.", "Name: Ann."], block.Text.Split('\n').Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task An_edit_another_process_made_between_the_read_and_the_write_is_kept()
    {
        var (appended, stored, raced) = await EditRacingAnotherProcessAsync(blocks => blocks.AppendAsync(Ann, "user-ann", "human", "Likes tea."));

        Assert.Equal("Name: Ann.\nLives in Oslo.\nLikes tea.", appended.Text);
        Assert.Equal(appended.Text, stored.Text);
        Assert.True(raced); // the other write did happen in between
    }

    [Fact]
    public async Task Emptying_a_block_another_process_just_appended_to_keeps_the_append()
    {
        var (left, stored, raced) = await EditRacingAnotherProcessAsync(blocks => blocks.ReplaceAsync(Ann, "user-ann", "human", "Name: Ann.", ""));

        Assert.Equal("Lives in Oslo.", left.Text);
        Assert.Equal(LifecycleState.Active, stored.State);
        Assert.True(raced); // the other write did happen in between
    }

    /// <summary>
    /// Writes the block "Name: Ann.", then runs <paramref name="edit"/> while another process (a second facade on the same
    /// file) appends "Lives in Oslo." as the block is loaded for the write: the lock holds in one process only. Returns
    /// what the edit returned, the block as stored after it, and whether the other write happened.
    /// </summary>
    private static async Task<(CoreBlock Result, MemoryItem Stored, bool Raced)> EditRacingAnotherProcessAsync(Func<CoreMemoryBlocks, Task<CoreBlock>> edit)
    {
        using var folder = new TempFolder("blocks-two-processes");
        var inner = Stores.Sqlite.SqliteMemoryStore.Open(folder.File("p.db"));
        await using var otherProcess = new MemoryOS(inner, new Retrieval.Lexical.Bm25Retriever(inner));
        MemoryId? block = null;
        bool interfere = false;
        var store = Stores.Tests.InterceptedStore.Over(inner, (method, _) =>
        {
            if (method == "GetAsync" && block is { } id && Interlocked.Exchange(ref interfere, false))
            {
                var read = otherProcess.GetAsync(Ann, id).GetAwaiter().GetResult();
                otherProcess.UpdateAsync(Ann, id, new MemoryChange { Text = read.Text + "\nLives in Oslo." }).GetAwaiter().GetResult();
            }

            return null;
        });
        await using var memory = new MemoryOS(store, new Retrieval.Lexical.Bm25Retriever(store));
        var mine = new CoreMemoryBlocks(memory, new CoreBlockOptions { Limit = 2_000 });
        block = (await mine.AppendAsync(Ann, "user-ann", "human", "Name: Ann.")).Id;

        Volatile.Write(ref interfere, true);
        var result = await edit(mine);
        return (result, await memory.GetAsync(Ann, block.Value), !Volatile.Read(ref interfere));
    }

    [Fact]
    public async Task Replace_writes_a_new_version_kept_in_the_history()
    {
        await blocks.AppendAsync(Ann, "user-ann", "human", "Lives in Lyon. Likes tea.");

        var moved = await blocks.ReplaceAsync(Ann, "user-ann", "human", "Lyon", "Berlin");

        Assert.Equal(("Lives in Berlin. Likes tea.", 2), (moved.Text, moved.Version));
        var history = await temp.Memory.GetHistoryAsync(Ann, moved.Id);
        Assert.Equal(["Lives in Lyon. Likes tea.", "Lives in Berlin. Likes tea."], history.Select(v => v.Text));
        Assert.Equal(LifecycleState.Superseded, history[0].State);
        Assert.Equal("core block replace", history[0].StateReason);
    }

    [Fact]
    public async Task Replacing_everything_deletes_the_block_and_keeps_its_history()
    {
        var block = await blocks.AppendAsync(Ann, "user-ann", "persona", "I am terse.");

        var emptied = await blocks.ReplaceAsync(Ann, "user-ann", "persona", "I am terse.", "");

        Assert.Equal((string.Empty, 2), (emptied.Text, emptied.Version));
        Assert.Empty(await blocks.ListAsync(Ann, "user-ann"));
        Assert.Equal(2, (await temp.Memory.GetHistoryAsync(Ann, block.Id)).Count);
    }

    [Fact]
    public async Task Errors_name_the_problem()
    {
        await blocks.AppendAsync(Ann, "user-ann", "human", "Name: Ann.");

        var unknown = await Assert.ThrowsAsync<MemoryValidationException>(() => blocks.AppendAsync(Ann, "user-ann", "diary", "x"));
        Assert.Contains("no core block 'diary'; the blocks are persona, human", unknown.Message, StringComparison.Ordinal);

        var tooLong = await Assert.ThrowsAsync<MemoryValidationException>(() => blocks.AppendAsync(Ann, "user-ann", "human", new string('x', 50)));
        Assert.Contains("would hold 61 characters; its limit is 60", tooLong.Message, StringComparison.Ordinal);

        var missing = await Assert.ThrowsAsync<MemoryValidationException>(() => blocks.ReplaceAsync(Ann, "user-ann", "human", "Bob", "Ann"));
        Assert.Contains("\"Bob\" does not occur in core block 'human'", missing.Message, StringComparison.Ordinal);

        await Assert.ThrowsAsync<MemoryValidationException>(() => blocks.ReplaceAsync(Ann, "user-ann", "persona", "a", "b"));
        Assert.Equal("Name: Ann.", Assert.Single(await blocks.ListAsync(Ann, "user-ann")).Text);
    }

    [Fact]
    public async Task A_refused_first_append_creates_no_cube()
    {
        // The cube was made before the block's text was checked: a refused append left one, owned by the caller.
        await Assert.ThrowsAsync<MemoryValidationException>(() => blocks.AppendAsync(Ann, "user-ann", "human", new string('x', 61)));
        await Assert.ThrowsAsync<MemoryValidationException>(() => blocks.AppendAsync(Ann, "user-ann", "human", "Name:\0Ann."));
        Assert.Empty(await temp.Memory.ListCubesAsync(Ann));
    }

    [Fact]
    public async Task Text_already_stored_elsewhere_still_gets_its_own_block()
    {
        await temp.Memory.GetOrCreateCubeAsync(Ann, "user-ann");
        var fact = await temp.Memory.AddAsync(Ann, "user-ann", new MemoryDraft("Ann is vegetarian."));

        var block = await blocks.AppendAsync(Ann, "user-ann", "human", "Ann is vegetarian.");

        Assert.NotEqual(fact.Id, block.Id);
        Assert.Equal("Ann is vegetarian.", block.Text);
        Assert.Equal(["core-block", "core-block:human"], (await temp.Memory.GetAsync(Ann, block.Id)).Tags);
    }

    [Fact]
    public async Task A_first_append_that_fails_after_its_placeholder_leaves_no_placeholder_block()
    {
        // Text the cube already holds makes the block under a placeholder, given its text next: a failure between the two
        // left the placeholder as the block, shown in every prompt.
        using var folder = new TempFolder("blocks-placeholder");
        var inner = Stores.Sqlite.SqliteMemoryStore.Open(folder.File("b.db"));
        bool placeholderAdded = false, failed = false;
        var store = Stores.Tests.InterceptedStore.Over(inner, (method, args) =>
        {
            if (method == "AddAsync" && args[1] is IReadOnlyList<MemoryItem> items && items.Any(i => i.Text.StartsWith("Core memory block 'human' (", StringComparison.Ordinal)))
            {
                placeholderAdded = true;
            }
            else if (method == "ReplaceManyAsync" && placeholderAdded && !failed)
            {
                failed = true; // once: the clean-up and the next append go through
                throw new IOException("the store went away");
            }

            return null;
        });
        await using var memory = new MemoryOS(store, new Retrieval.Lexical.Bm25Retriever(store));
        var human = new CoreMemoryBlocks(memory);
        await memory.GetOrCreateCubeAsync(Ann, "user-ann");
        await memory.AddAsync(Ann, "user-ann", new MemoryDraft("Ann is vegetarian."));

        await Assert.ThrowsAsync<IOException>(() => human.AppendAsync(Ann, "user-ann", "human", "Ann is vegetarian."));

        Assert.Empty(await human.ListAsync(Ann, "user-ann"));
        Assert.DoesNotContain(await memory.ListAsync(Ann, "user-ann").ToListAsync(), m => m.Text.StartsWith("Core memory block", StringComparison.Ordinal));
        Assert.Equal("Ann is vegetarian.", (await human.AppendAsync(Ann, "user-ann", "human", "Ann is vegetarian.")).Text);
    }

    [Fact]
    public async Task A_block_over_a_lowered_limit_can_be_shortened_by_replace_but_not_grown()
    {
        // Written under a larger limit, the block could not be shortened bit by bit: every replace leaving it over the
        // new limit was refused.
        string text = "Name: Ann. Lives in Oslo. Likes tea. Has a cat named Miso. Works as a nurse in town.";
        await new CoreMemoryBlocks(temp.Memory, new CoreBlockOptions { Limit = 2_000 }).AppendAsync(Ann, "user-ann", "human", text);

        var shorter = await blocks.ReplaceAsync(Ann, "user-ann", "human", "Works as a nurse in town.", "Nurse.");
        Assert.Equal("Name: Ann. Lives in Oslo. Likes tea. Has a cat named Miso. Nurse.", shorter.Text);
        Assert.True(shorter.Text.Length > blocks.Limit);

        var longer = await Assert.ThrowsAsync<MemoryValidationException>(() => blocks.ReplaceAsync(Ann, "user-ann", "human", "Nurse.", "Works nights."));
        Assert.Contains("its limit is 60", longer.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<MemoryValidationException>(() => blocks.AppendAsync(Ann, "user-ann", "human", "Vegan."));
        Assert.Equal(shorter.Text, Assert.Single(await blocks.ListAsync(Ann, "user-ann")).Text);
    }

    [Fact]
    public async Task The_lock_of_a_block_is_dropped_once_no_edit_holds_it()
    {
        // One lock per tenant, user, agent, cube and block was kept for the life of the process.
        var bea = new Scope(Scope.DefaultTenant, "bea");
        await blocks.AppendAsync(bea, "user-bea", "human", "Name: Bea.");
        string cube = (await temp.Memory.OpenCubeAsync(bea, "user-bea")).Id;
        Assert.Equal(0, CoreMemoryBlocks.GateUsers(bea, cube, "human"));

        await blocks.ReplaceAsync(bea, "user-bea", "human", "Bea", "Beatrice");
        await Assert.ThrowsAsync<MemoryValidationException>(() => blocks.ReplaceAsync(bea, "user-bea", "human", "Zed", "x"));
        await Assert.ThrowsAsync<MemoryValidationException>(() => blocks.AppendAsync(bea, "user-bea", "human", new string('x', 60)));
        Assert.Equal(0, CoreMemoryBlocks.GateUsers(bea, cube, "human"));
        Assert.Equal("Name: Beatrice.", Assert.Single(await blocks.ListAsync(bea, "user-bea")).Text);
    }

    [Fact]
    public async Task Blocks_belong_to_one_user_and_agent()
    {
        var helper = new Scope(Scope.DefaultTenant, "ann", "helper");
        await blocks.AppendAsync(Ann, "user-ann", "human", "Seen by the plain scope.");
        await blocks.AppendAsync(helper, "user-ann", "human", "Seen by the helper agent.");

        Assert.Equal("Seen by the plain scope.", Assert.Single(await blocks.ListAsync(Ann, "user-ann")).Text);
        Assert.Equal("Seen by the helper agent.", Assert.Single(await blocks.ListAsync(helper, "user-ann")).Text);
    }

    [Fact]
    public async Task Forgetting_never_archives_a_block_however_long_ago_it_was_written()
    {
        // A block is in every system message, so it is never recalled: the curve, anchored where it was recorded, faded the
        // human block edited yesterday on a cube that forgets, and the next append started a new block without its lines.
        using var folder = new TempFolder("blocks-forgetting");
        var time = new Scheduling.ShiftableTime();
        var store = Stores.Sqlite.SqliteMemoryStore.Open(folder.File("f.db"));
        await using var memory = new MemoryOS(store, new Retrieval.Lexical.Bm25Retriever(store), timeProvider: time);
        await memory.CreateCubeAsync(Ann, "user-ann", policy: new MemoryCore.Cubes.CubePolicy { ForgettingThreshold = 0.05 });
        var human = new CoreMemoryBlocks(memory);
        await human.AppendAsync(Ann, "user-ann", "human", "Name: Ann.");
        await memory.AddAsync(Ann, "user-ann", new MemoryDraft("Ann mentioned the weather once."));
        time.Offset = TimeSpan.FromDays(3);
        await human.AppendAsync(Ann, "user-ann", "human", "Vegetarian.");

        time.Offset = TimeSpan.FromDays(4);
        var run = Assert.Single(await MemoryCore.Maintenance.MaintenanceRunner.CreateDefault().RunAsync(memory, Ann, "user-ann", [MemoryCore.Forgetting.ForgettingJob.JobName]));

        Assert.Equal(1, run.Counts["archived"]); // the ordinary memory faded
        Assert.Equal("Name: Ann.\nVegetarian.", Assert.Single(await human.ListAsync(Ann, "user-ann")).Text);
    }

    [Fact]
    public async Task Consolidation_never_merges_a_block_into_a_similar_memory()
    {
        // A near-duplicate with more words survived a merge and took the block's tags, becoming the block in its place.
        var human = new CoreMemoryBlocks(temp.Memory);
        var block = await human.AppendAsync(Ann, "user-ann", "human", "Ann is vegetarian and lives in Oslo.");
        await temp.Memory.AddAsync(Ann, "user-ann", new MemoryDraft("Ann is vegetarian and lives in Oslo, Norway."));

        var run = Assert.Single(await MemoryCore.Maintenance.MaintenanceRunner.CreateDefault().RunAsync(temp.Memory, Ann, "user-ann", [MemoryCore.Consolidation.ConsolidationJob.JobName]));

        Assert.Equal(0, run.Counts.GetValueOrDefault("merged"));
        var kept = Assert.Single(await human.ListAsync(Ann, "user-ann"));
        Assert.Equal((block.Id, block.Text), (kept.Id, kept.Text));
        Assert.Equal(LifecycleState.Active, (await temp.Memory.GetAsync(Ann, block.Id)).State);
    }

    [Fact]
    public void Render_shows_each_block_with_its_size_and_limit()
    {
        var id = MemoryCore.Identity.MemoryId.NewId(DateTimeOffset.UnixEpoch);
        string text = CoreMemoryBlocks.Render([new CoreBlock("persona", "I am terse.", 60, id, 1), new CoreBlock("human", "Name: Ann.", 60, id, 3)]);

        Assert.Equal("# Core memory\n<persona chars=\"11/60\">\nI am terse.\n</persona>\n<human chars=\"10/60\">\nName: Ann.\n</human>", text);
        Assert.Equal(string.Empty, CoreMemoryBlocks.Render([]));
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("")]
    public void Options_refuse_bad_names_and_limits(string name)
    {
        Assert.Throws<ArgumentException>(() => new CoreBlockOptions { Names = [name] }.Validate());
        Assert.Throws<ArgumentException>(() => new CoreBlockOptions { Names = ["a", "a"] }.Validate());
        Assert.Throws<ArgumentException>(() => new CoreBlockOptions { Names = ["human", "Human"] }.Validate()); // "Human" could never be written
        Assert.Throws<ArgumentOutOfRangeException>(() => new CoreBlockOptions { Limit = 0 }.Validate());
    }
}
