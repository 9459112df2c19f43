namespace AgentMem.Retrieval.Spann;

/// <summary>Codes for an index that was made without them: trained at the checkpoint that first finds enough vectors.</summary>
public sealed partial class SpannIndex
{
    /// <summary>
    /// An index made empty by <see cref="Create"/>, or built from fewer than <see cref="SpannOptions.MinCodeTrainingVectors"/>
    /// vectors, scans every probed posting from disk. Once it holds that many live vectors (and codes are wanted), the
    /// checkpoint trains the codebooks on a sample of them and encodes every posting entry in disk order, so from then
    /// on searches rank in memory, exactly as after <see cref="Build"/>. Runs under the write lock; two reads of the postings.
    /// </summary>
    private void TrainCodesIfDue()
    {
        int subspaces = Options.CodeBytesFor(Dimension);
        if (codes is not null || subspaces == 0 || liveCount < Options.MinCodeTrainingVectors)
        {
            return;
        }

        // Pass 1: a uniform sample of the live vectors (one replica each), by reservoir sampling in disk order.
        int capacity = Math.Min(liveCount, Options.CodeTrainingSample);
        var sample = new float[capacity * Dimension];
        var rng = new Random(BalancedKMeans.DeterministicSeed(Options.Seed, 13, liveCount));
        var seen = new HashSet<long>();
        int taken = 0;
        ForEachEntry((_, key, version, vector) =>
        {
            if (!versions.TryGetValue(key, out int current) || current != version || !seen.Add(key))
            {
                return;
            }

            int slot = taken < capacity ? taken : rng.Next(taken + 1);
            taken++;
            if (slot < capacity)
            {
                vector.CopyTo(sample.AsSpan(slot * Dimension, Dimension));
            }
        });

        int rows = Math.Min(taken, capacity);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Options.BuildThreads ?? Environment.ProcessorCount };
        var quantizer = ProductQuantizer.Train(sample, Dimension, Enumerable.Range(0, rows).ToArray(), subspaces, Options.KMeansIterations, Options.Seed, parallel);

        // Pass 2: every entry, stale ones included, so the codes mirror the postings file entry for entry.
        var trained = new PostingCodes(quantizer);
        for (int p = 0; p < postings.Length; p++)
        {
            if (postings.IsAlive(p))
            {
                trained.Reserve(p, postings.Count(p));
            }
        }

        ForEachEntry(trained.Append);
        codes = trained;
    }

    private delegate void EntryAction(int posting, long key, int version, ReadOnlySpan<float> vector);

    /// <summary>Calls <paramref name="action"/> for every entry of every live posting, in disk order.</summary>
    private void ForEachEntry(EntryAction action)
    {
        var buffer = Array.Empty<byte>();
        for (int p = 0; p < postings.Length; p++)
        {
            if (!postings.IsAlive(p) || postings.Count(p) == 0)
            {
                continue;
            }

            int bytes = postings.Count(p) * entrySize;
            if (buffer.Length < bytes)
            {
                buffer = new byte[bytes];
            }

            ReadPosting(p, buffer.AsSpan(0, bytes));
            for (int i = 0; i < postings.Count(p); i++)
            {
                var entry = buffer.AsSpan(i * entrySize, entrySize);
                action(p, PostingLayout.Key(entry), PostingLayout.Version(entry), PostingLayout.Vector(entry, Dimension));
            }
        }
    }
}
