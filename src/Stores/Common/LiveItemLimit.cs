namespace AgentMem.Stores.Common;

/// <summary>
/// The <see cref="AddOptions.MaxLiveItems"/> rule: after a batch, no cube it added to may hold more live memories than
/// the limit, or the whole batch is refused.
/// </summary>
internal static class LiveItemLimit
{
    /// <summary>Whether the options set a limit at all (0 is none), so a store can skip counting.</summary>
    public static bool Applies(AddOptions options) => options.MaxLiveItems > 0;

    /// <summary>Whether <paramref name="live"/>, the cube's count with the batch, is over the limit.</summary>
    public static bool Exceeded(long live, AddOptions options) => live > options.MaxLiveItems;

    /// <summary>
    /// The refusal of a batch that would leave the cube with <paramref name="live"/> live memories, naming it by
    /// <paramref name="cubeName"/>: callers name cubes, and its internal id told them nothing.
    /// </summary>
    public static CubeFullException Full(string cubeName, long live, AddOptions options) =>
        new(string.Create(CultureInfo.InvariantCulture, $"Cube '{cubeName}' would hold {live:N0} live memories; its policy allows {options.MaxLiveItems:N0}. Nothing from this batch was stored."));
}
