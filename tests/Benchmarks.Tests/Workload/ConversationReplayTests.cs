using AgentMem.Benchmarks.Datasets;
using AgentMem.Benchmarks.Workload;

namespace AgentMem.Benchmarks.Tests.Workload;

public sealed class ConversationReplayTests
{
    private static readonly DateTimeOffset May = new(2023, 5, 8, 13, 56, 0, TimeSpan.Zero);

    internal static BenchmarkDataset Toy() => new(
        "locomo",
        [
            new BenchConversation("a", [new BenchSession("D1", May, [new("D1:1", "Ann", "I adopted a greyhound."), new("D1:2", "Ben", " "), new("D1:3", "Ben", "Lovely.")])]),
            new BenchConversation("b", [new BenchSession("D1", null, [new("D1:1", "Cy", "My sister moved to Oslo.")])]),
        ],
        [new BenchQuestion("a#q0", "a", "What did Ann adopt?", "a greyhound", "4", false, ["D1:1"], ["D1"], null, null)],
        "toy.json");

    [Fact]
    public void Replays_every_conversation_in_order_then_again_with_new_session_ids_per_pass()
    {
        var replay = new ConversationReplay(Toy());
        Assert.Equal(3, replay.TurnsPerPass); // the blank turn holds nothing to retrieve
        var drafts = Enumerable.Range(0, 7).Select(_ => replay.Next()).ToList();

        Assert.Equal(["I adopted a greyhound.", "Lovely.", "My sister moved to Oslo.", "I adopted a greyhound.", "Lovely.", "My sister moved to Oslo.", "I adopted a greyhound."], drafts.Select(d => d.Text));
        // Both conversations have a D1; in one cube they must stay two sessions, and a replayed pass a third and fourth.
        Assert.Equal(["a/D1", "a/D1", "b/D1", "a/D1#pass2", "a/D1#pass2", "b/D1#pass2", "a/D1#pass3"], drafts.Select(d => d.Session));
        Assert.Equal(["a/D1:1", "a/D1:3", "b/D1:1", "a/D1:1#pass2"], drafts.Take(4).Select(d => d.SourceRef));
        Assert.Equal(["Ann", "Ben", "Cy"], drafts.Take(3).Select(d => d.Actor));
        Assert.Equal([May, May, null], drafts.Take(3).Select(d => d.ValidFrom));
        Assert.Equal(7, replay.Produced);
    }

    [Fact]
    public void A_dataset_without_text_cannot_be_replayed()
    {
        var empty = new BenchmarkDataset("locomo", [new BenchConversation("a", [new BenchSession("D1", null, [new("D1:1", "Ann", "")])])], [], "empty.json");
        Assert.Throws<ArgumentException>(() => new ConversationReplay(empty));
    }
}
