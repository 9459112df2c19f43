namespace AgentMem.Retrieval.Spann;

/// <summary>
/// Hierarchical balanced k-means (SPANN §3.2): the vectors are split into at most
/// <see cref="SpannOptions.KMeansBranching"/> clusters, each cluster again, until a cluster holds no
/// fewer than two leaves' worth of vectors; the leaf centroids become the heads. The assignment cost is
/// d(x, c) + λ·(|c| / fair share)·(mean gap between a point's two nearest centroids), which pushes points away from
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
                // Below two leaves' worth a node is a leaf: splitting it would leave heads with a handful of vectors.
                if (members.Length < 2 * leafSize)
                {
                    done[n].Add(Mean(data, dimension, members));
                    return;
                }

                int k = Math.Min(options.KMeansBranching, members.Length / leafSize);
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
        double gap = 0;
        for (int iteration = 0; iteration < options.KMeansIterations; iteration++)
        {
            gap = Assign(data, dimension, sample, centroids, k, sizes, iteration == 0 ? 0 : options.BalanceLambda, gap, assign, parallel);
            Recompute(data, dimension, sample, assign, centroids, k, sizes, rng);
        }

        var finalAssign = new int[members.Length];
        Assign(data, dimension, members, centroids, k, sizes, options.BalanceLambda, gap, finalAssign, parallel);
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

    /// <summary>
    /// Assigns each member to the centroid of least cost d + penalty[c], where penalty[c] =
    /// λ·gap·(share of c / fair share) and gap is the mean distance between a point's best and second-best
    /// centroid in the previous pass. Scaling by the gap, not by the distance itself, matters in high
    /// dimensions: distances there share a large common offset, and a penalty proportional to them would
    /// swamp the differences that decide the assignment. Returns the mean gap of this pass.
    /// </summary>
    private static double Assign(float[] data, int dimension, int[] members, float[] centroids, int k, int[] sizes, double lambda, double gap, int[] assign, ParallelOptions parallel)
    {
        long sized = 0;
        foreach (int size in sizes)
        {
            sized += size;
        }

        var penalty = new float[k];
        for (int c = 0; c < k; c++)
        {
            penalty[c] = sized == 0 ? 0 : (float)(lambda * gap * (sizes[c] * (double)k / sized));
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
                float nearest = float.MaxValue;
                float second = float.MaxValue;
                for (int c = 0; c < k; c++)
                {
                    float d = VectorDistance.SquaredL2(row, centroids.AsSpan(c * dimension, dimension));
                    if (d < nearest)
                    {
                        second = nearest;
                        nearest = d;
                    }
                    else if (d < second)
                    {
                        second = d;
                    }

                    float cost = d + penalty[c];
                    if (cost < bestCost)
                    {
                        bestCost = cost;
                        best = c;
                    }
                }

                assign[i] = best;
                local += k > 1 ? second - nearest : 0;
            }

            partial[block] = local;
        });

        Array.Clear(sizes);
        foreach (int a in assign)
        {
            sizes[a]++;
        }

        return partial.Sum() / Math.Max(1, members.Length);
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
