using System.Reflection;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.Retrieval.Context;
using AgentMem.Retrieval.Lexical;
using AgentMem.Stores.InMemory;

namespace AgentMem.Retrieval.Tests.Context;

/// <summary>What a context build reads from the store: a cube larger than the budget is not read whole on every call.</summary>
public sealed class ContextReadsTests
{
    private static readonly Scope Me = new("acme");

    [Fact]
    public async Task A_cube_over_the_budget_is_read_only_until_the_budget_is_spent()
    {
        var store = ListCountingStore.Wrap(new InMemoryMemoryStore());
        await using var memory = new MemoryOS(store, new Bm25Retriever(store));
        await memory.CreateCubeAsync(Me, "chat");
        const int Size = 3_000;
        await memory.AddBatchAsync(Me, "chat", [.. Enumerable.Range(0, Size).Select(i => new MemoryDraft($"Turn {i}: Ann talked about topic {i % 97}."))]);
        var options = new ContextOptions { TokenBudget = 200 };

        var counting = (ListCountingStore)(object)store;
        counting.Listed = 0;
        var built = await memory.BuildContextAsync(Me, "chat", "What did Ann say about topic 42?", options);

        Assert.False(built.IsComplete);
        Assert.Equal(Size, built.CubeMemories);
        Assert.NotEmpty(built.Memories);
        // About 17 memories fill 200 tokens: the listing's first page is short, so one page of dozens is all that is read.
        Assert.True(counting.Listed < 100, $"{counting.Listed} memories listed for a context over a {Size}-memory cube");
    }

    /// <summary>Passes every call to the store inside and counts the memories its <c>ListAsync</c> returns.</summary>
    public class ListCountingStore : DispatchProxy
    {
        private IMemoryStore inner = null!;
        private int listed;

        /// <summary>Memories returned by <c>ListAsync</c> since the last reset.</summary>
        public int Listed { get => Volatile.Read(ref listed); set => Volatile.Write(ref listed, value); }

        public static IMemoryStore Wrap(IMemoryStore inner)
        {
            var proxy = Create<IMemoryStore, ListCountingStore>();
            ((ListCountingStore)(object)proxy).inner = inner;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            object? result;
            try
            {
                result = targetMethod!.Invoke(inner, args);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                throw ex.InnerException;
            }

            return targetMethod.Name == nameof(IMemoryStore.ListAsync) ? CountAsync((Task<IReadOnlyList<MemoryItem>>)result!) : result;
        }

        private async Task<IReadOnlyList<MemoryItem>> CountAsync(Task<IReadOnlyList<MemoryItem>> listing)
        {
            var page = await listing.ConfigureAwait(false);
            Interlocked.Add(ref listed, page.Count);
            return page;
        }
    }
}
