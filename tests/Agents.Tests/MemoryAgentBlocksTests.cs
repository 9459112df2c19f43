using AgentMem.Agents.Blocks;
using AgentMem.MemoryCore.Model;
using Microsoft.Extensions.AI;
using static AgentMem.Agents.Tests.ScriptedChatClient;

namespace AgentMem.Agents.Tests;

public sealed class MemoryAgentBlocksTests : IAsyncLifetime
{
    private static readonly Scope Ann = new(Scope.DefaultTenant, "ann");
    private readonly TempMemory temp = new();

    // xunit v2 calls IAsyncLifetime, not IAsyncDisposable, on a test class: the temporary database is removed here.
    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => temp.DisposeAsync().AsTask();

    [Fact]
    public async Task The_blocks_are_rendered_into_the_system_message_before_the_recalled_context()
    {
        var blocks = new CoreMemoryBlocks(temp.Memory);
        await blocks.AppendAsync(Ann, "user-ann", "human", "Name: Ann. Vegetarian.");
        var model = new ScriptedChatClient(Say("Hello Ann."));
        var agent = new MemoryAgent(model, temp.Memory);

        await agent.ChatAsync("ann", "Hi!");

        string system = model.Requests[0].Messages[0].Text;
        int core = system.IndexOf("# Core memory\n<human chars=\"22/2000\">\nName: Ann. Vegetarian.\n</human>", StringComparison.Ordinal);
        Assert.True(core > 0, system);
        Assert.True(core < system.IndexOf("# What you remember about this user", StringComparison.Ordinal));
        Assert.Contains("Blocks not written yet: persona.", system, StringComparison.Ordinal);

        // The block is in the prompt once: recall leaves block memories out (ContextOptions.ExcludeTags).
        Assert.Equal(core, system.LastIndexOf("Name: Ann. Vegetarian.", StringComparison.Ordinal) - "# Core memory\n<human chars=\"22/2000\">\n".Length);
        Assert.Contains(model.Requests[0].Options!.Tools!, t => t.Name == "core_memory_append");
        Assert.Contains(model.Requests[0].Options!.Tools!, t => t.Name == "core_memory_replace");
    }

    [Fact]
    public async Task A_core_memory_replace_call_edits_the_block_and_the_next_turn_sees_it()
    {
        var blocks = new CoreMemoryBlocks(temp.Memory);
        var before = await blocks.AppendAsync(Ann, "user-ann", "human", "Lives in Lyon.");
        var model = new ScriptedChatClient(
            Call("core_memory_replace", new() { ["name"] = "human", ["old_text"] = "Lyon", ["new_text"] = "Berlin" }),
            Say("Noted, Berlin it is."),
            Say("Welcome back."));
        var agent = new MemoryAgent(model, temp.Memory);

        await agent.ChatAsync("ann", "I moved to Berlin.");
        await agent.ChatAsync("ann", "Hello again.");

        var after = Assert.Single(await blocks.ListAsync(Ann, "user-ann"));
        Assert.Equal(("Lives in Berlin.", 2, before.Id), (after.Text, after.Version, after.Id));
        var result = model.Requests[1].Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Single();
        Assert.Contains("Lives in Berlin.", result.Result?.ToString(), StringComparison.Ordinal);
        Assert.Contains("<human chars=\"16/2000\">\nLives in Berlin.\n</human>", model.Requests[2].Messages[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_block_edit_is_reported_to_the_model()
    {
        var model = new ScriptedChatClient(
            Call("core_memory_append", new() { ["name"] = "diary", ["text"] = "x" }),
            Say("I cannot write a diary block."));
        var agent = new MemoryAgent(model, temp.Memory);

        await agent.ChatAsync("ann", "Write in your diary.");

        var error = model.Requests[1].Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Single();
        Assert.Contains("no core block 'diary'", error.Result?.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Null_block_options_disable_the_section_and_the_tools()
    {
        var model = new ScriptedChatClient(Say("ok"));
        var agent = new MemoryAgent(model, temp.Memory, new MemoryAgentOptions { CoreBlocks = null });

        await agent.ChatAsync("ann", "Hi!");

        Assert.DoesNotContain("# Core memory", model.Requests[0].Messages[0].Text, StringComparison.Ordinal);
        Assert.DoesNotContain(model.Requests[0].Options!.Tools!, t => t.Name.StartsWith("core_memory", StringComparison.Ordinal));
    }
}
