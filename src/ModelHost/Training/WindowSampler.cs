namespace AgentMem.ModelHost.Training;

/// <summary>
/// The windows each step of <see cref="LoraAdapterTrainer"/> trains on: drawn in a seeded shuffled order of all windows,
/// reshuffled after each pass, so a batch smaller than the data still sees all of it. A batch never holds a window twice,
/// also where a pass ends partway through it; with fewer windows than the batch asked for, a batch holds every window once.
/// </summary>
internal sealed class WindowSampler
{
    private readonly Random random;
    private readonly int[] order;
    private readonly int[] picked;
    private int next;

    /// <summary>Batches of <paramref name="batch"/> windows (at most <paramref name="windows"/>) of <paramref name="windows"/>, in the order <paramref name="seed"/> gives.</summary>
    public WindowSampler(int windows, int batch, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(windows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        random = new Random(seed);
        order = new int[windows];
        next = windows; // the first draw shuffles
        picked = new int[Math.Min(batch, windows)];
    }

    /// <summary>Windows per batch: the batch asked for, or every window when there are fewer.</summary>
    public int Batch => picked.Length;

    /// <summary>The next batch's windows (a buffer of the sampler's own, overwritten by the next call).</summary>
    public ReadOnlySpan<int> Next()
    {
        for (int i = 0; i < picked.Length; i++)
        {
            if (next == order.Length)
            {
                for (int w = 0; w < order.Length; w++)
                {
                    order[w] = w;
                }

                random.Shuffle(order);
                next = 0;
            }

            // A pass that ended partway through this batch: the new order may begin with a window the batch already holds.
            // Swapped with the first later window it does not hold (there is one, as the batch is not yet full and holds no
            // window twice), so the pass still visits each window once and an order that needs no swap is left as seeded.
            var held = picked.AsSpan(0, i);
            if (held.Contains(order[next]))
            {
                int other = next + 1;
                while (held.Contains(order[other]))
                {
                    other++;
                }

                (order[next], order[other]) = (order[other], order[next]);
            }

            picked[i] = order[next++];
        }

        return picked;
    }
}
