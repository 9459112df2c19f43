using AgentMem.MemoryCore.Validation;

namespace AgentMem.MemoryCore.Import;

/// <summary>A batch the importer has committed: its turns are durably stored once this is reported.</summary>
/// <param name="BatchIndex">Zero-based batch number.</param>
/// <param name="TurnsDone">Turns imported so far, this batch included.</param>
/// <param name="TurnsTotal">Turns in the conversation.</param>
/// <param name="Outcomes">One outcome per memory of the batch, in order.</param>
public sealed record ImportBatch(int BatchIndex, int TurnsDone, int TurnsTotal, IReadOnlyList<AddOutcome> Outcomes);

/// <summary>What an import did with turns over <see cref="MemoryOSOptions.MaxContentBytes"/>.</summary>
public enum OversizePolicy
{
    /// <summary>Leave the turn out and report it; the rest of the conversation is imported.</summary>
    Skip,

    /// <summary>Store the turn as several memories, cut at paragraph or sentence boundaries, each under the limit.</summary>
    Split,
}

/// <summary>A turn over the content limit, and what became of it.</summary>
/// <param name="TurnId">The turn's id in the conversation.</param>
/// <param name="Bytes">Its text's UTF-8 length.</param>
/// <param name="Parts">Memories it was split into; 0 when it was skipped.</param>
public sealed record OversizedTurn(string TurnId, int Bytes, int Parts);

/// <summary>The outcome of an import.</summary>
/// <param name="Outcomes">One outcome per memory written, in conversation order (a split turn has one per part).</param>
/// <param name="Oversized">Turns over the content limit, skipped or split, in conversation order.</param>
public sealed record ImportResult(IReadOnlyList<AddOutcome> Outcomes, IReadOnlyList<OversizedTurn> Oversized);

/// <summary>
/// Turns a conversation into plaintext memories, one per turn, in batches of <c>batchSize</c> turns;
/// each batch is one transaction, and is reported only after it committed. A turn over the content limit does not stop
/// the import: it is skipped or split (<see cref="OversizePolicy"/>) and listed in the result. Any other turn the facade
/// would refuse (an empty tag, a speaker or session name too long) fails the import before anything is stored.
/// </summary>
public static class ConversationImporter
{
    /// <summary>
    /// Imports every turn; returns the outcomes of all memories written, in order, and the oversized turns. In a cube that
    /// de-duplicates, a turn matches only a memory with the same words and its own source reference (<c>{conversation id}/{turn id}</c>):
    /// turns with the same words are each kept, and the same file imported again adds nothing.
    /// </summary>
    public static async Task<ImportResult> ImportAsync(
        MemoryOS memory,
        Scope actor,
        string cube,
        ConversationDocument conversation,
        int batchSize = 100,
        Func<ImportBatch, CancellationToken, Task>? onBatchCommitted = null,
        OversizePolicy oversize = OversizePolicy.Skip,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(conversation);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var (drafts, oversized) = FitToLimit(ToDrafts(conversation), memory.Options.MaxContentBytes, oversize);

        // Every turn is checked before the first batch: each batch checked only its own, so turn 120's empty tag failed the
        // import after turns 1 to 100 had committed.
        Validate(memory, actor, drafts);

        var all = new List<AddOutcome>(drafts.Count);
        int batchIndex = 0;
        for (int start = 0; start < drafts.Count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = drafts.GetRange(start, Math.Min(batchSize, drafts.Count - start));
            // Every turn is written in the importer's scope, so content alone made two turns with the same words one memory
            // (the second speaker's turn "already known"): a turn is the same only as itself, by its source reference.
            var outcomes = await memory.AddTurnsAsync(actor, cube, batch, cancellationToken).ConfigureAwait(false);
            all.AddRange(outcomes);
            if (onBatchCommitted is not null)
            {
                await onBatchCommitted(new ImportBatch(batchIndex, all.Count, drafts.Count, outcomes), cancellationToken).ConfigureAwait(false);
            }

            batchIndex++;
        }

        return new ImportResult(all, oversized);
    }

    /// <summary>
    /// Checks every turn <see cref="ImportAsync"/> would store (after <paramref name="oversize"/> is applied) without storing
    /// anything, so a host can refuse a file before it creates the cube to import into.
    /// </summary>
    /// <exception cref="MemoryValidationException">A turn no memory can hold, named by its conversation and turn id.</exception>
    public static void Validate(MemoryOS memory, Scope actor, ConversationDocument conversation, OversizePolicy oversize = OversizePolicy.Skip)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(conversation);
        Validate(memory, actor, FitToLimit(ToDrafts(conversation), memory.Options.MaxContentBytes, oversize).Drafts);
    }

    private static void Validate(MemoryOS memory, Scope actor, List<MemoryDraft> drafts)
    {
        foreach (var draft in drafts)
        {
            try
            {
                memory.ValidateDrafts(actor, [draft]);
            }
            catch (MemoryValidationException ex)
            {
                throw MemoryOS.Rewrap(ex, $"Turn {draft.SourceRef}: {ex.Message} Nothing was imported.");
            }
        }
    }

    /// <summary>
    /// The drafts with every text over <paramref name="maxBytes"/> skipped or split, and the list of those turns. A part
    /// keeps the turn's speaker, session and time, and its source reference gains <c>#part{n}</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="policy"/> is no member of <see cref="OversizePolicy"/>.</exception>
    public static (List<MemoryDraft> Drafts, List<OversizedTurn> Oversized) FitToLimit(List<MemoryDraft> drafts, int maxBytes, OversizePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(drafts);
        if (!Enum.IsDefined(policy))
        {
            // Tested as "Skip, else split", an undefined value (a number cast or parsed from text) split without a word.
            throw new ArgumentOutOfRangeException(nameof(policy), policy, $"The oversize policy is {nameof(OversizePolicy.Skip)} or {nameof(OversizePolicy.Split)}.");
        }

        var kept = new List<MemoryDraft>(drafts.Count);
        var oversized = new List<OversizedTurn>();
        foreach (var draft in drafts)
        {
            int bytes = Encoding.UTF8.GetByteCount(draft.Text);
            if (bytes <= maxBytes)
            {
                kept.Add(draft);
                continue;
            }

            string turn = draft.SourceRef ?? $"#{kept.Count + oversized.Count}";
            if (policy == OversizePolicy.Skip)
            {
                oversized.Add(new OversizedTurn(turn, bytes, 0));
                continue;
            }

            // A UTF-16 character is at most 3 UTF-8 bytes (a surrogate pair, 2 characters, is 4), and a passage is at most
            // twice its target: so parts of maxBytes / 6 target characters always fit.
            int written = 0;
            foreach (var part in PassageSplitter.Split(draft.Text, Math.Max(16, maxBytes / 6)))
            {
                string text = part.Of(draft.Text)!;
                if (!ContentRules.IsBlank(text))
                {
                    kept.Add(draft with { Text = text, SourceRef = $"{turn}#part{++written}" });
                }
            }

            oversized.Add(new OversizedTurn(turn, bytes, written));
        }

        return (kept, oversized);
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
