namespace AgentMem.Agents;

/// <summary>
/// Adds a memory whose text the cube would de-duplicate against another one (a core block and a fact of the same words):
/// it is created under a unique placeholder, which nothing matches, and given its text as version 2.
/// </summary>
internal static class OwnMemory
{
    /// <summary>
    /// Creates <paramref name="draft"/> as a memory of its own and returns its version 2. When the update fails, the placeholder
    /// is deleted (best effort) and the update's error is thrown: left, it would be remembered as if it were the text.
    /// </summary>
    public static async Task<MemoryItem> AddAsync(MemoryOS memory, Scope actor, string cubeId, MemoryDraft draft, string placeholder, string reason, CancellationToken cancellationToken)
    {
        var created = await memory.AddAsync(actor, cubeId, draft with { Text = placeholder }, cancellationToken).ConfigureAwait(false);
        try
        {
            return await memory.UpdateAsync(actor, created.Id, new MemoryChange { Text = draft.Text, Reason = reason, ExpectedVersion = 1 }, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Not cancellable (the caller's cancellation may be what failed the update), and of version 1 only: an update that
            // committed before its answer was lost is the memory.
            try
            {
                await memory.DeleteAsync(actor, created.Id, reason + " failed", 1, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AgentMemException or IOException or InvalidOperationException)
            {
            }

            throw;
        }
    }
}
