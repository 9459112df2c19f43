using System.Collections.Concurrent;

namespace AgentMem.Campaign.Bench;

/// <summary>
/// Every write the service acknowledged (a 2xx add or update), with the acknowledged version and text. Each id is owned
/// by one client, so an id never has two writes in flight; an update that was sent but not answered is kept as
/// <see cref="Acked.PendingText"/>: after a kill it may or may not have committed, and both outcomes are correct.
/// </summary>
internal sealed class AcknowledgedWrites
{
    private readonly ConcurrentDictionary<string, Acked> writes = new();

    public int Count => writes.Count;

    public IReadOnlyCollection<KeyValuePair<string, Acked>> Snapshot() => writes.ToArray();

    public void Added(string id, string text) => writes[id] = new Acked(1, text, null);

    public void Sending(string id, string text) => writes[id] = writes[id] with { PendingText = text };

    public void Updated(string id, int version, string text) => writes[id] = new Acked(version, text, null);

    /// <summary>Whether what the service returns now is the acknowledged state, or the one unanswered update applied on top.</summary>
    public static bool Holds(Acked acked, (int Version, string Text)? stored) =>
        stored is { } s && ((s.Version == acked.Version && s.Text == acked.Text)
            || (acked.PendingText is not null && s.Version == acked.Version + 1 && s.Text == acked.PendingText));

    internal sealed record Acked(int Version, string Text, string? PendingText);
}
