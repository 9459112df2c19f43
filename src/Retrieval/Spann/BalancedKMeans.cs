using AgentMem.Retrieval.Vectors;

namespace AgentMem.Retrieval.Spann;

/// <summary>
/// Hierarchical balanced k-means (SPANN §3.2): the vectors are split into at most
/// <see cref="SpannOptions.KMeansBranching"/> clusters, each cluster again, until a cluster holds no
/// more than the leaf size; the leaf centroids become the heads. The assignment cost is
/// d(x, c) + λ·(|c| / expected size)·(mean assignment distance), which pushes points away from
/// crowded clusters, so the leaves come out of similar size and no posting list is huge.
/// </summary>
/// <remarks>
/// Always squared L2 on the stored vectors (cosine vectors are stored normalised, for which squared
/// L2 orders like cosine). Cluster sizes of the previous Lloyd iteration feed the penalty, so the
/// assignment of one iteration is embarrassingly parallel (Parallel.For over points); nodes of one
/// level of the hierarchy run in parallel too.
/// </remarks>
internal static class BalancedKMeans
{
    /// <summary>Leaf centroids, row-major (count × dimension).</summary>
    public static float[] Leaves(float[] data, int dimension, int[] rows, int leafSize, SpannOptions options, out int count)
    {
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.BuildThreads ?? Environment.ProcessorCount };
        var level = new List<int[]> { rows };
        var leaves = new List<float[]>();
        int depth = 0;
        while (level.Count > 0)
        {
            var next = new List<int[]>[level.Count];
            var done = new List<float[]>[level.Count];

            // Big nodes parallelise inside (over points); a level of many small nodes over nodes.
            bool outer = level.Count >= 2 * parallel.MaxDegreeOfParallelism;
            var inner = outer ? new ParallelOptions { MaxDegreeOfParallelism = 1 } : parallel;
            Parallel.For(0, level.Count, outer ? parallel : new ParallelOptions { MaxDegreeOfParallelism = 1 }, n =>
            {
                var members = level[n];
                next[n] = [];
                done[n] = [];
                if (members.Length <= leafSize)
                {
                    done[n].Add(Mean(data, dimension, members));
                    return;
                }

                int k = Math.Min(options.KMeansBranching, (members.Length + leafSize - 1) / leafSize);
                var rng = new Random(DeterministicSeed(options.Seed, depth, n));
                var groups = Split(data, dimension, members, k, options, rng, inner);
                foreach (var g in groups)
                {
                    if (g.Length == 0)
                    {
                        continue;
                    }

                    // A split that failed to separate anything (duplicates) ends here rather than looping.
                    if (g.Length == members.Length)
                    {
                        done[n].Add(Mean(data, dimension, g));
                    }
                    else
                    {
                        next[n].Add(g);
                    }
                }
            });
            level = [.. next.SelectMany(x => x)];
            leaves.AddRange(done.SelectMany(x => x));
            depth++;
        }

        count = leaves.Count;
        var result = new float[(long)count * dimension];
        for (int i = 0; i < count; i++)
        {
            leaves[i].CopyTo(result, (long)i * dimension);
        }

        return result;
    }

    /// <summary>A seed from several numbers that is the same in every process (HashCode.Combine is randomised per process).</summary>
    public static int DeterministicSeed(int a, int b, int c) => unchecked((((a * 1_000_003) + b) * 1_000_003) + c);

    /// <summary>Balanced k-means of <paramref name="members"/> into k groups of row ids.</summary>
    public static int[][] Split(float[] data, int dimension, int[] members, int k, SpannOptions options, Random rng, ParallelOptions parallel)
    {
        // Fit on a sample, then assign everyone once with the fitted centroids.
        int[] sample = members;
        if (members.Length > options.KMeansSample)
        {
            sample = (int[])members.Clone();
            rng.Shuffle(sample);
            sample = sample[..options.KMeansSample];
        }

        var centroids = new float[k * dimension];
        var order = (int[])sample.Clone();
        rng.Shuffle(order);
        for (int c = 0; c < k; c++)
        {
            data.AsSpan(order[c % order.Length] * dimension, dimension).CopyTo(centroids.AsSpan(c * dimension));
        }

        var assign = new int[sample.Length];
        var sizes = new int[k];
        double meanDistance = 0;
        for (int iteration = 0; iteration < options.KMeansIterations; iteration++)
        {
            meanDistance = Assign(data, dimension, sample, centroids, k, sizes, iteration == 0 ? 0 : options.BalanceLambda, meanDistance, assign, parallel);
            Recompute(data, dimension, sample, assign, centroids, k, sizes, rng);
        }

        var finalAssign = new int[members.Length];
        Assign(data, dimension, members, centroids, k, sizes, options.BalanceLambda, meanDistance, finalAssign, parallel);
        var counts = new int[k];
        foreach (int a in finalAssign)
        {
            counts[a]++;
        }

        var groups = new int[k][];
        for (int c = 0; c < k; c++)
        {
            groups[c] = new int[counts[c]];
        }

        Array.Clear(counts);
        for (int i = 0; i < members.Length; i++)
        {
            int c = finalAssign[i];
            groups[c][counts[c]++] = members[i];
        }

        return groups;
    }

    /// <summary>Mean of the rows (a centroid).</summary>
    public static float[] Mean(float[] data, int dimension, ReadOnlySpan<int> members)
    {
        var sum = new double[dimension];
        foreach (int m in members)
        {
            var row = data.AsSpan(m * dimension, dimension);
            for (int j = 0; j < dimension; j++)
            {
                sum[j] += row[j];
            }
        }

        var mean = new float[dimension];
        for (int j = 0; j < dimension; j++)
        {
            mean[j] = (float)(sum[j] / Math.Max(1, members.Length));
        }

        return mean;
    }

    private static double Assign(float[] data, int dimension, int[] members, float[] centroids, int k, int[] sizes, double lambda, double meanDistance, int[] assign, ParallelOptions parallel)
    {
        double expected = members.Length / (double)k;

        // Penalty per member of a cluster, in distance units: λ·mean distance at the expected size.
        var penalty = new float[k];
        for (int c = 0; c < k; c++)
        {
            penalty[c] = (float)(lambda * meanDistance * (sizes[c] / Math.Max(1.0, expected)));
        }

        // Per-block partial sums added in block order: the same total whatever the thread schedule.
        var partial = new double[(members.Length + 1023) / 1024];
        Parallel.For(0, partial.Length, parallel, block =>
        {
            double local = 0;
            int end = Math.Min(members.Length, (block + 1) * 1024);
            for (int i = block * 1024; i < end; i++)
            {
                var row = data.AsSpan(members[i] * dimension, dimension);
                int best = 0;
                float bestCost = float.MaxValue;
                float bestDistance = 0;
                for (int c = 0; c < k; c++)
                {
                    float d = VectorDistance.SquaredL2(row, centroids.AsSpan(c * dimension, dimension));
                    float cost = d + penalty[c];
                    if (cost < bestCost)
                    {
                        bestCost = cost;
                        best = c;
                        bestDistance = d;
                    }
                }

                assign[i] = best;
                local += bestDistance;
            }

            partial[block] = local;
        });
        double total = partial.Sum();

        Array.Clear(sizes);
        foreach (int a in assign)
        {
            sizes[a]++;
        }

        return total / Math.Max(1, members.Length);
    }

    private static void Recompute(float[] data, int dimension, int[] members, int[] assign, float[] centroids, int k, int[] sizes, Random rng)
    {
        var sums = new double[k * dimension];
        for (int i = 0; i < members.Length; i++)
        {
            var row = data.AsSpan(members[i] * dimension, dimension);
            int offset = assign[i] * dimension;
            for (int j = 0; j < dimension; j++)
            {
                sums[offset + j] += row[j];
            }
        }

        for (int c = 0; c < k; c++)
        {
            var centroid = centroids.AsSpan(c * dimension, dimension);
            if (sizes[c] == 0)
            {
                // An empty cluster restarts at a random member, so k clusters stay in play.
                data.AsSpan(members[rng.Next(members.Length)] * dimension, dimension).CopyTo(centroid);
                continue;
            }

            for (int j = 0; j < dimension; j++)
            {
                centroid[j] = (float)(sums[(c * dimension) + j] / sizes[c]);
            }
        }
    }
}
