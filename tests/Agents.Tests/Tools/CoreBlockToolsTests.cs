using AgentMem.Agents.Blocks;
using AgentMem.Agents.Tools;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Model;
using static AgentMem.Agents.Tests.Tools.ToolJson;

namespace AgentMem.Agents.Tests.Tools;

public sealed class CoreBlockToolsTests : IAsyncLifetime
{
    private static readonly Scope Ann = new("acme", "ann");
    private readonly TempMemory temp = new();
    private readonly IReadOnlyList<Microsoft.Extensions.AI.AIFunction> tools;

    public CoreBlockToolsTests() => tools = CoreBlockTools.Create(new CoreMemoryBlocks(temp.Memory), Ann, "notes");

    // xunit v2 calls IAsyncLifetime, not IAsyncDisposable, on a test class: the temporary database is removed here.
    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => temp.DisposeAsync().AsTask();

    [Fact]
    public async Task Replace_before_the_cube_exists_says_the_block_is_empty_and_names_the_tool_that_writes_it()
    {
        // The first session's state: the model was told to run `agentmem cube create notes`, which it cannot.
        var ex = await Assert.ThrowsAsync<MemoryValidationException>(async () =>
            await Find(tools, CoreBlockTools.Replace).InvokeAsync(Args("""{"name":"human","old_text":"Lyon","new_text":"Berlin"}""")));
        Assert.Contains("empty", ex.Message, StringComparison.Ordinal);
        Assert.Contains("cube 'notes' does not exist yet", ex.Message, StringComparison.Ordinal);
        Assert.Contains(CoreBlockTools.Append, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("agentmem", ex.Message, StringComparison.Ordinal);
        Assert.Empty(await temp.Memory.ListCubesAsync(Ann));

        // Once the cube exists, the block's own answer holds, and an append writes what the replace could not.
        await CallAsync<CoreBlockResult>(tools, CoreBlockTools.Append, """{"name":"persona","text":"I am terse."}""");
        var empty = await Assert.ThrowsAsync<MemoryValidationException>(async () =>
            await Find(tools, CoreBlockTools.Replace).InvokeAsync(Args("""{"name":"human","old_text":"Lyon","new_text":"Berlin"}""")));
        Assert.Contains("the block is empty", empty.Message, StringComparison.Ordinal);
        var human = await CallAsync<CoreBlockResult>(tools, CoreBlockTools.Append, """{"name":"human","text":"Lives in Berlin."}""");
        Assert.Equal("Lives in Berlin.", human.Text);
    }

    [Fact]
    public async Task Replace_refuses_text_that_occurs_more_than_once_and_leaves_the_block_unchanged()
    {
        // Every occurrence was replaced: a model quoting "likes tea" to correct one line rewrote both, and the result,
        // only the new block, did not say so.
        await CallAsync<CoreBlockResult>(tools, CoreBlockTools.Append, """{"name":"human","text":"Ann likes tea."}""");
        await CallAsync<CoreBlockResult>(tools, CoreBlockTools.Append, """{"name":"human","text":"Bob likes tea."}""");

        var ex = await Assert.ThrowsAsync<MemoryValidationException>(async () =>
            await Find(tools, CoreBlockTools.Replace).InvokeAsync(Args("""{"name":"human","old_text":"likes tea","new_text":"likes coffee"}""")));
        Assert.Contains("\"likes tea\" occurs 2 times in core block 'human'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("quote more", ex.Message, StringComparison.Ordinal);
        var kept = Assert.Single(await new CoreMemoryBlocks(temp.Memory).ListAsync(Ann, "notes"));
        Assert.Equal(("Ann likes tea.\nBob likes tea.", 2), (kept.Text, kept.Version));

        // Quoting more of the line picks the one occurrence meant.
        var edited = await CallAsync<CoreBlockResult>(tools, CoreBlockTools.Replace, """{"name":"human","old_text":"Bob likes tea","new_text":"Bob likes coffee"}""");
        Assert.Equal("Ann likes tea.\nBob likes coffee.", edited.Text);
    }

    [Fact]
    public async Task A_frozen_block_is_refused_naming_the_block_and_that_only_a_person_can_unfreeze_it()
    {
        // An operator freezes the persona block to pin it; the tools passed on the facade's "Memory 01... is frozen ...
        // Unfreeze it first", which names an id the model never saw and asks for what no tool can do.
        await CallAsync<CoreBlockResult>(tools, CoreBlockTools.Append, """{"name":"persona","text":"I am a helpful assistant."}""");
        var block = Assert.Single(await new CoreMemoryBlocks(temp.Memory).ListAsync(Ann, "notes"));
        await temp.Memory.SetStateAsync(Ann, block.Id, LifecycleState.Frozen, "pinned by the operator");

        foreach (var (tool, json) in new[]
        {
            (CoreBlockTools.Append, """{"name":"Persona","text":"I like jokes."}"""),
            (CoreBlockTools.Replace, """{"name":"persona","old_text":"helpful","new_text":"funny"}"""),
            (CoreBlockTools.Replace, """{"name":"persona","old_text":"I am a helpful assistant.","new_text":""}"""), // empties it: a delete
        })
        {
            var ex = await Assert.ThrowsAsync<MemoryFrozenException>(async () => await Find(tools, tool).InvokeAsync(Args(json)));
            Assert.Contains("Core block 'persona' is frozen", ex.Message, StringComparison.Ordinal);
            Assert.Contains("only a person can unfreeze it", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("Unfreeze it first", ex.Message, StringComparison.Ordinal);
        }

        var kept = await temp.Memory.GetAsync(Ann, block.Id);
        Assert.Equal(("I am a helpful assistant.", LifecycleState.Frozen), (kept.Text, kept.State));
    }
}
