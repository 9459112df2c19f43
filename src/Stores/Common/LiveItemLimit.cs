namespace AgentMem.Stores.Common;

/// <summary>
/// The <see cref="AddOptions.MaxLiveItems"/> rule: after a batch, no cube it added to may hold more live memories than
/// the limit, or the whole batch is refused.
/// </summary>
internal static class LiveItemLimit
{
    /// <summary>Whether the options set a limit at all (0 is none), so a store can skip counting.</summary>
    public static bool Applies(AddOptions options) => options.MaxLiveItems > 0;

    /// <summary>Throws <see cref="CubeFullException"/> when <paramref name="live"/>, the cube's count with the batch, is over the limit.</summary>
    public static void Check(string cubeId, long live, AddOptions options)
    {
        if (live > options.MaxLiveItems)
        {
            throw new CubeFullException($"Cube {cubeId} would hold {live:N0} live memories; its policy allows {options.MaxLiveItems:N0}. Nothing from this batch was stored.");
        }
    }
}
