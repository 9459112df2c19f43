using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Forgetting;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.Retrieval.Hybrid;

namespace AgentMem.Retrieval.Tests.State;

/// <summary>
/// A recall changes no indexed text, but the strength boost scores the counters it writes from the index's cached copy
/// of the memory, which learns of them only through the change feed: a store must not leave recalls out of it.
/// </summary>
public sealed class RecallFeedTests : TempStore
{
    private static readonly Scope Me = new("acme", "alice");

    [Fact]
    public async Task A_recall_reaches_the_strength_boost_of_an_index_already_built()
    {
        using var hybrid = new HybridRetriever(Store, new HybridOptions { StrengthWeight = 1f });
        await using var os = new MemoryOS(Store, hybrid);
        var cube = await os.CreateCubeAsync(Me, "chat");
        var kayak = await os.AddAsync(Me, "chat", new MemoryDraft("the kayak is in the shed"));
        await os.AddAsync(Me, "chat", new MemoryDraft("the bike is in the garage"));

        // Just recorded: nothing of the curve has passed, and the index caches the memory as it is.
        var hit = Assert.Single(await os.SearchAsync(Me, "chat", "kayak"));
        Assert.Equal(1.0, hit.Components["retention"], 3);

        // Recalled (written by another process, say) 100 days ago: the curve starts from then, far along by now.
        await Store.RecordRecallsAsync(Me.Tenant, [kayak.Id], DateTimeOffset.UtcNow.AddDays(-100), new AuditRecord(DateTimeOffset.UtcNow, Me.Tenant, "alice", null, "recall", cube.Id, null, null, null));
        double expected = ForgettingCurve.Retention(await os.GetAsync(Me, kayak.Id), DateTimeOffset.UtcNow);
        Assert.True(expected < 0.5, $"retention {expected}");

        hit = Assert.Single(await os.SearchAsync(Me, "chat", "kayak"));
        Assert.Equal(expected, hit.Components["retention"], 3);
    }
}
