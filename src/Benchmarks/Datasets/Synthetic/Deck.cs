namespace AgentMem.Benchmarks.Datasets.Synthetic;

/// <summary>Deals items in a shuffled order and reshuffles when all were dealt, so repeats within one message are rare.</summary>
/// <typeparam name="T">Item type.</typeparam>
internal sealed class Deck<T>(Random random, IReadOnlyList<T> items)
{
    private readonly List<T> remaining = [];

    /// <summary>The next item.</summary>
    /// <returns>An item none of the last dealt ones repeat until the deck is exhausted.</returns>
    public T Next()
    {
        if (remaining.Count == 0)
        {
            remaining.AddRange(items);
            // Fisher-Yates with the generator's own Random, so the order depends on the seed only.
            for (int i = remaining.Count - 1; i > 0; i--)
            {
                int j = random.Next(i + 1);
                (remaining[i], remaining[j]) = (remaining[j], remaining[i]);
            }
        }

        T item = remaining[^1];
        remaining.RemoveAt(remaining.Count - 1);
        return item;
    }
}
