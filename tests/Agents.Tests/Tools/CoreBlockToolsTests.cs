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
}
