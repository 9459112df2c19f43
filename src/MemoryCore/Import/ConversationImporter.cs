using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;

namespace AgentMem.MemoryCore.Import;

/// <summary>A batch the importer has committed: its turns are durably stored once this is reported.</summary>
/// <param name="BatchIndex">Zero-based batch number.</param>
/// <param name="TurnsDone">Turns imported so far, this batch included.</param>
/// <param name="TurnsTotal">Turns in the conversation.</param>
/// <param name="Outcomes">One outcome per turn of the batch, in order.</param>
public sealed record ImportBatch(int BatchIndex, int TurnsDone, int TurnsTotal, IReadOnlyList<AddOutcome> Outcomes);

/// <summary>
/// Turns a conversation into plaintext memories, one per turn, in batches of <c>batchSize</c> turns;
/// each batch is one transaction, and is reported only after it committed.
/// </summary>
public static class ConversationImporter
{
    /// <summary>Imports every turn; returns the outcomes of all turns in order.</summary>
    public static async Task<IReadOnlyList<AddOutcome>> ImportAsync(
        MemoryOS memory,
        Scope actor,
        string cube,
        ConversationDocument conversation,
        int batchSize = 100,
        Func<ImportBatch, CancellationToken, Task>? onBatchCommitted = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(conversation);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var drafts = ToDrafts(conversation);
        var all = new List<AddOutcome>(drafts.Count);
        int batchIndex = 0;
        for (int start = 0; start < drafts.Count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = drafts.GetRange(start, Math.Min(batchSize, drafts.Count - start));
            var outcomes = await memory.AddBatchAsync(actor, cube, batch, cancellationToken).ConfigureAwait(false);
            all.AddRange(outcomes);
            if (onBatchCommitted is not null)
            {
                await onBatchCommitted(new ImportBatch(batchIndex, all.Count, drafts.Count, outcomes), cancellationToken).ConfigureAwait(false);
            }

            batchIndex++;
        }

        return all;
    }

    /// <summary>The memory drafts for a conversation: speaker as actor, session as scope, session date as event time.</summary>
    public static List<MemoryDraft> ToDrafts(ConversationDocument conversation)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        var drafts = new List<MemoryDraft>(conversation.TurnCount);
        foreach (var session in conversation.Sessions)
        {
            foreach (var turn in session.Turns)
            {
                drafts.Add(new MemoryDraft(turn.Text)
                {
                    Source = SourceKind.Conversation,
                    SourceRef = $"{conversation.Id}/{turn.Id}",
                    Actor = turn.Speaker,
                    Session = session.Id,
                    ValidFrom = turn.Time ?? session.Date,
                    Tags = turn.Tags,
                });
            }
        }

        return drafts;
    }
}
