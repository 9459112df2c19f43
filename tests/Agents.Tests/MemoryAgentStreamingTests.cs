using AgentMem.MemoryCore.Model;
using Microsoft.Extensions.AI;
using static AgentMem.Agents.Tests.ScriptedChatClient;

namespace AgentMem.Agents.Tests;

public sealed class MemoryAgentStreamingTests : IAsyncLifetime
{
    private static readonly Scope Ann = new(Scope.DefaultTenant, "ann");
    private readonly TempMemory temp = new();

    // xunit v2 calls IAsyncLifetime, not IAsyncDisposable, on a test class: the temporary database is removed here.
    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => temp.DisposeAsync().AsTask();

    [Fact]
    public async Task Streams_text_pieces_then_writes_back_and_completes()
    {
        var agent = new MemoryAgent(new ScriptedChatClient(Say("Your cat is called Miso.")), temp.Memory);
        var updates = new List<MemoryAgentUpdate>();
        var storedWhileStreaming = new List<int>();

        await foreach (var update in agent.ChatStreamingAsync("ann", "What is my cat called?", "c1"))
        {
            updates.Add(update);
            if (update.Completed is null)
            {
                storedWhileStreaming.Add(await StoredCountAsync());
            }
        }

        Assert.True(updates.Count >= 4, $"only {updates.Count} updates");
        Assert.All(updates[..^1], u => Assert.Null(u.Completed));
        Assert.Equal("Your cat is called Miso.", string.Concat(updates[..^1].Select(u => u.Text)));
        Assert.All(storedWhileStreaming, count => Assert.Equal(0, count));

        var turn = updates[^1].Completed!;
        Assert.Null(updates[^1].Text);
        Assert.Equal("Your cat is called Miso.", turn.Text);
        var stored = await temp.Memory.ListAsync(Ann, "user-ann").Select(m => (m.Text, m.Provenance.Actor, m.Scope.Session)).ToListAsync();
        Assert.Equal([("What is my cat called?", "user", "c1"), ("Your cat is called Miso.", "assistant", "c1")], stored);
    }

    [Fact]
    public async Task Tool_calls_during_streaming_leave_the_same_memories_as_ChatAsync()
    {
        var streamed = await RunAsync(temp, stream: true);
        await using var other = new TempMemory();
        var plain = await RunAsync(other, stream: false);

        Assert.Equal(plain, streamed);
        Assert.Contains(("Lives in Berlin.", "core-block"), streamed);

        static async Task<List<(string Text, string Tag)>> RunAsync(TempMemory memory, bool stream)
        {
            var model = new ScriptedChatClient(
                Call("core_memory_append", new() { ["name"] = "human", ["text"] = "Lives in Berlin." }),
                Say("Noted."));
            var agent = new MemoryAgent(model, memory.Memory);
            if (stream)
            {
                await foreach (var update in agent.ChatStreamingAsync("ann", "I live in Berlin."))
                {
                    _ = update;
                }
            }
            else
            {
                await agent.ChatAsync("ann", "I live in Berlin.");
            }

            return await memory.Memory.ListAsync(Ann, "user-ann").Select(m => (m.Text, m.Tags[0])).ToListAsync();
        }
    }

    [Fact]
    public async Task A_cancelled_stream_writes_nothing_back()
    {
        var model = new ScriptedChatClient(Say("This reply is cut off half way through."));
        var agent = new MemoryAgent(model, temp.Memory, new MemoryAgentOptions { EnableTools = false });
        using var cancel = new CancellationTokenSource();
        var received = new List<string?>();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in agent.ChatStreamingAsync("ann", "Tell me a story.", cancellationToken: cancel.Token))
            {
                received.Add(update.Text);
                await cancel.CancelAsync();
            }
        });

        Assert.Equal(["This "], received);
        Assert.Equal(0, await StoredCountAsync());
    }

    [Fact]
    public async Task Stopping_the_enumeration_early_writes_nothing_back()
    {
        var agent = new MemoryAgent(new ScriptedChatClient(Say("A long answer follows.")), temp.Memory, new MemoryAgentOptions { EnableTools = false });

        await foreach (var update in agent.ChatStreamingAsync("ann", "Explain."))
        {
            Assert.Equal("A ", update.Text);
            break;
        }

        Assert.Equal(0, await StoredCountAsync());
    }

    [Fact]
    public void Bad_arguments_throw_at_the_call()
    {
        var agent = new MemoryAgent(new ScriptedChatClient(), temp.Memory);
        Assert.Throws<ArgumentException>(() => agent.ChatStreamingAsync("ann", " "));
        Assert.Throws<ArgumentException>(() => agent.ChatStreamingAsync("", "hi"));
    }

    private async Task<int> StoredCountAsync()
    {
        await temp.Memory.GetOrCreateCubeAsync(Ann, "user-ann");
        return await temp.Memory.ListAsync(Ann, "user-ann").CountAsync();
    }
}
