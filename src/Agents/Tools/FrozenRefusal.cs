namespace AgentMem.Agents.Tools;

/// <summary>
/// What every tool tells the model when a write meets a frozen memory. The facade's refusal says "Unfreeze it first", which
/// no tool can do (freezing is a person's choice to pin a memory), so the model is told to leave it as it is.
/// </summary>
internal static class FrozenRefusal
{
    /// <summary>The refusal for <paramref name="what"/> ("Memory 01...", "Core block 'persona'"), wrapping the facade's <paramref name="refused"/> if any.</summary>
    public static MemoryFrozenException Of(string what, MemoryFrozenException? refused)
    {
        string message = $"{what} is frozen: it is kept unchanged on purpose, and only a person can unfreeze it.";
        return refused is null ? new MemoryFrozenException(message) : new MemoryFrozenException(message, refused);
    }
}
