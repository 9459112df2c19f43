namespace AgentMem.Retrieval.Spann;

/// <summary>
/// The offline build of a <see cref="SpannIndex"/>: heads from hierarchical balanced k-means, the head
/// HNSW, closure assignment of every vector (parallel), the posting cap, and the page-aligned postings
/// file; then the first checkpoint. Every file is written under a new generation number, beside an index already in the
/// folder, which is deleted only once the new <c>spann.meta</c> names the new files: a build that fails or is killed part
/// way leaves the old index as it was.
/// </summary>
internal static class SpannBuilder
{
    /// <summary>The names of the files that carry a generation: head graph, postings, codes (SpannMeta.HeadFile, PostingsFile, PostingCodes.FileFor).</summary>
    private static readonly (string Prefix, string Suffix)[] GenerationFiles = [("heads.", ".hnsw"), ("postings.", ".spp"), ("codes.", ".pq")];

    /// <summary>Seconds per build phase of the last build on this thread (for benchmarks).</summary>
    [ThreadStatic]
    private static Dictionary<string, double>? lastPhases;

    public static IReadOnlyDictionary<string, double> LastPhases => lastPhases ?? [];

    public static SpannIndex Build(string directory, VectorMetric metric, VectorRows<float> vectors, IReadOnlyList<long>? keys, SpannOptions options)
    {
        if (!Enum.IsDefined(metric))
        {
            throw new ArgumentOutOfRangeException(nameof(metric), metric, "Unknown metric.");
        }

        if (keys is not null && keys.Count != vectors.Count)
        {
            throw new ArgumentException($"{keys.Count} keys for {vectors.Count} vectors.", nameof(keys));
        }

        // A plain loop, O(n·d) beside the k-means: inside a Parallel.For the error reached the caller as an
        // AggregateException (not the VectorFormatException IVectorIndex promises), and without the row.
        for (int i = 0; i < vectors.Count; i++)
        {
            try
            {
                VectorDistance.Validate(vectors.Row(i), vectors.Dimension);
            }
            catch (VectorFormatException ex)
            {
                throw new VectorFormatException($"Row {i} of the vectors to index: {ex.Message}", ex);
            }
        }

        // Before the work, not only before the commit replaces the folder's index: a folder in use fails at once.
        Directory.CreateDirectory(directory);
        var held = SpannIndex.LockFolder(directory);
        try
        {
            return Build(directory, held, metric, vectors, keys, options);
        }
        catch
        {
            held.Dispose();
            throw;
        }
    }

    private static SpannIndex Build(string directory, FileStream folderLock, VectorMetric metric, VectorRows<float> vectors, IReadOnlyList<long>? keys, SpannOptions options)
    {
        int n = vectors.Count;
        int d = vectors.Dimension;
        var phases = lastPhases = new Dictionary<string, double>(StringComparer.Ordinal);
        var watch = Stopwatch.StartNew();
        void Ended(string phase, double seconds)
        {
            phases[phase] = seconds;
            options.BuildPhaseDone?.Invoke(phase);
        }

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.BuildThreads ?? Environment.ProcessorCount };
        float[] data = vectors.Data;
        if (metric == VectorMetric.Cosine)
        {
            data = (float[])data.Clone();
            Parallel.For(0, n, parallel, i => VectorDistance.Normalize(data.AsSpan(i * d, d)));
        }

        var seenKeys = new HashSet<long>();
        for (int i = 0; i < n; i++)
        {
            if (!seenKeys.Add(keys?[i] ?? i))
            {
                throw new ArgumentException($"Key {keys?[i] ?? i} appears twice.", nameof(keys));
            }
        }

        seenKeys = null;
        var headOptions = options.HeadIndex;
        var headIndex = new HnswIndex(d, metric, headOptions with { MaxElements = Math.Max(1, (int)(n * options.HeadFraction * 1.2) + 16) });
        var table = new PostingTable();
        var versions = new Dictionary<long, int>(n);
        if (n == 0)
        {
            return Write(directory, folderLock, d, metric, options, headIndex, table, versions, null, null);
        }

        // 1. Heads: leaves of the balanced k-means tree, each about 1/HeadFraction vectors.
        int leafSize = Math.Max(1, (int)Math.Round(1 / options.HeadFraction));
        var rows = new int[n];
        for (int i = 0; i < n; i++)
        {
            rows[i] = i;
        }

        float[] centroids = BalancedKMeans.Leaves(data, d, rows, leafSize, options, out int headCount);
        if (metric == VectorMetric.Cosine)
        {
            for (int h = 0; h < headCount; h++)
            {
                VectorDistance.Normalize(centroids.AsSpan(h * d, d));
            }
        }

        // Flat refinement: each vector to its nearest head (through a head HNSW), heads to their members' mean.
        for (int pass = 0; pass < options.RefineIterations; pass++)
        {
            using IVectorIndex probe = headCount <= ExactAssignmentLimit(options)
                ? new ExactVectorIndex(d, metric, headCount)
                : new HnswIndex(d, metric, headOptions with { MaxElements = headCount, EfSearch = 32 });
            for (int h = 0; h < headCount; h++)
            {
                probe.Add(h, centroids.AsSpan(h * d, d));
            }

            var nearest = new int[n];
            Parallel.For(0, n, parallel, i => nearest[i] = (int)probe.Search(data.AsSpan(i * d, d), 1)[0].Key);
            var sums = new double[(long)headCount * d];
            var counts = new int[headCount];
            for (int i = 0; i < n; i++)
            {
                int h = nearest[i];
                counts[h]++;
                var row = data.AsSpan(i * d, d);
                long at = (long)h * d;
                for (int j = 0; j < d; j++)
                {
                    sums[at + j] += row[j];
                }
            }

            int survivors = 0;
            for (int h = 0; h < headCount; h++)
            {
                if (counts[h] == 0)
                {
                    continue; // a head nobody is nearest to: dropped
                }

                for (int j = 0; j < d; j++)
                {
                    centroids[((long)survivors * d) + j] = (float)(sums[((long)h * d) + j] / counts[h]);
                }

                survivors++;
            }

            headCount = survivors;
            if (metric == VectorMetric.Cosine)
            {
                for (int h = 0; h < headCount; h++)
                {
                    VectorDistance.Normalize(centroids.AsSpan(h * d, d));
                }
            }
        }

        Ended("kmeans", watch.Elapsed.TotalSeconds);

        // 2. Head index (the HNSW takes one writer at a time), searched exactly while small (see HeadIndex).
        for (int h = 0; h < headCount; h++)
        {
            headIndex.Add(h, centroids.AsSpan(h * d, d));
        }

        using var exactHeads = headCount <= ExactAssignmentLimit(options) ? new ExactVectorIndex(d, metric, headCount) : null;
        for (int h = 0; exactHeads is not null && h < headCount; h++)
        {
            exactHeads.Add(h, centroids.AsSpan(h * d, d));
        }

        Ended("head_hnsw", watch.Elapsed.TotalSeconds - phases["kmeans"]);

        // 3. Closure assignment, in parallel over vectors.
        int r = options.MaxReplicas;
        var assigned = new int[(long)n * r];
        var assignedDistance = new float[(long)n * r];
        var replicas = new byte[n];
        int ef = options.CandidateHeads; // the beam is the candidate list: a wider one costs build time for little
        float Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => metric switch
        {
            VectorMetric.L2 => VectorDistance.SquaredL2(a, b),
            VectorMetric.Cosine => 1f + VectorDistance.NegatedDot(a, b),
            _ => VectorDistance.NegatedDot(a, b),
        };
        bool HeadVector(long key, Span<float> into)
        {
            centroids.AsSpan((int)key * d, d).CopyTo(into);
            return true;
        }

        Parallel.For(0, n, parallel, () => new float[(r + 1) * d], (i, _, scratch) =>
        {
            var x = data.AsSpan(i * d, d);
            var candidates = exactHeads?.Search(x, options.CandidateHeads) ?? headIndex.Search(x, options.CandidateHeads, ef);
            int count = ClosureAssignment.Choose(candidates, HeadVector, Distance, options, assigned.AsSpan(i * r, r), assignedDistance.AsSpan(i * r, r), scratch, d);
            replicas[i] = (byte)count;
            return scratch;
        }, _ => { });
        Ended("assign", watch.Elapsed.TotalSeconds - phases["kmeans"] - phases["head_hnsw"]);

        // 4. Posting lists: closest first, capped; an entry is only cut while its vector keeps another replica.
        var sizes = new int[headCount];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < replicas[i]; j++)
            {
                sizes[assigned[(i * r) + j]]++;
            }
        }

        var members = new (int Row, float Distance)[headCount][];
        for (int h = 0; h < headCount; h++)
        {
            members[h] = new (int, float)[sizes[h]];
        }

        Array.Clear(sizes);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < replicas[i]; j++)
            {
                int h = assigned[(i * r) + j];
                members[h][sizes[h]++] = (i, assignedDistance[(i * r) + j]);
            }
        }

        assigned = [];
        assignedDistance = [];
        Parallel.For(0, headCount, parallel, h => Array.Sort(members[h], (a, b) => a.Distance.CompareTo(b.Distance)));
        var kept = new int[headCount];
        long cut = 0;
        for (int h = 0; h < headCount; h++)
        {
            var list = members[h];
            int keep = list.Length;
            for (int j = list.Length - 1; j >= 0 && keep > options.PostingCap; j--)
            {
                if (replicas[list[j].Row] > 1)
                {
                    replicas[list[j].Row]--;
                    list[j].Row = -1;
                    keep--;
                    cut++;
                }
            }

            kept[h] = keep;
        }

        Ended("cap", watch.Elapsed.TotalSeconds - phases["kmeans"] - phases["head_hnsw"] - phases["assign"]);

        // 5. The postings file, serialised in parallel (extents are allocated atomically at the end), as a new generation:
        // an index already in the folder stays in force until Write commits this one.
        long generation = NextGeneration(directory);
        var indexId = Guid.NewGuid();
        var file = PostingFile.Create(SpannMeta.PostingsFile(directory, generation), d, metric, indexId);
        PostingCodes? codes = null;
        try
        {
            var offsets = new long[headCount];
            var capacities = new int[headCount];
            var checksums = new uint[headCount];
            int entrySize = PostingLayout.EntrySize(d);
            Parallel.For(0, headCount, parallel, () => Array.Empty<byte>(), (h, _, buffer) =>
            {
                long bytes = PostingLayout.ExtentBytes(kept[h], entrySize);
                if (buffer.Length < bytes)
                {
                    buffer = new byte[bytes];
                }

                var span = buffer.AsSpan(0, (int)bytes);
                span.Clear();
                int at = 0;
                foreach (var (row, _) in members[h])
                {
                    if (row >= 0)
                    {
                        PostingLayout.Write(span.Slice(at, entrySize), keys?[row] ?? row, 1, data.AsSpan(row * d, d));
                        at += entrySize;
                    }
                }

                long offset = file.Allocate(bytes);
                file.Write(span, offset);
                offsets[h] = offset;
                capacities[h] = (int)bytes;
                checksums[h] = Crc32.HashToUInt32(span[..at]);
                return buffer;
            }, _ => { });

            for (int h = 0; h < headCount; h++)
            {
                bool alive = kept[h] > 0;
                table.Add(offsets[h], capacities[h], kept[h], checksums[h], alive, isDirty: false, isVerified: true);
                if (!alive)
                {
                    headIndex.Remove(h);
                }
            }

            for (int i = 0; i < n; i++)
            {
                versions[keys?[i] ?? i] = 1;
            }

            Ended("write", watch.Elapsed.TotalSeconds - phases["kmeans"] - phases["head_hnsw"] - phases["assign"] - phases["cap"]);

            // 6. In-memory PQ codes, entry for entry in the postings' disk order.
            int m = options.CodeBytesFor(d);
            if (m > 0 && n >= options.MinCodeTrainingVectors)
            {
                double before = watch.Elapsed.TotalSeconds;
                var sample = new int[n];
                for (int i = 0; i < n; i++)
                {
                    sample[i] = i;
                }

                new Random(BalancedKMeans.DeterministicSeed(options.Seed, 11, n)).Shuffle(sample);
                sample = sample[..Math.Min(n, options.CodeTrainingSample)];
                var quantizer = ProductQuantizer.Train(data, d, sample, m, options.KMeansIterations, options.Seed, parallel);
                var trained = codes = new PostingCodes(quantizer);
                for (int h = 0; h < headCount; h++)
                {
                    trained.Reserve(h, kept[h]); // the shared arrays grow here; the parallel fill touches one posting each
                }

                Parallel.For(0, headCount, parallel, h =>
                {
                    foreach (var (row, _) in members[h])
                    {
                        if (row >= 0)
                        {
                            trained.Append(h, keys?[row] ?? row, 1, data.AsSpan(row * d, d));
                        }
                    }
                });
                Ended("codes", watch.Elapsed.TotalSeconds - before);
            }
        }
        catch
        {
            file.Dispose();
            DeleteGeneration(directory, generation);
            throw;
        }

        phases["heads"] = headCount;
        phases["replicas_per_vector"] = (double)kept.Sum(x => (long)x) / n;
        phases["entries_cut"] = cut;
        return Write(directory, folderLock, d, metric, options, headIndex, table, versions, (file, indexId, generation), codes);
    }

    /// <summary>
    /// The first checkpoint: postings flushed, head file, codes, meta, empty log, all of generation <c>written.Generation</c>
    /// (without <paramref name="written"/>, an empty postings file of a new generation is made first); then the files of
    /// any other index in the folder are deleted. Returns the opened index, which takes over <paramref name="folderLock"/>
    /// (the caller's to release on failure).
    /// </summary>
    /// <remarks>
    /// The new <c>spann.meta</c>, renamed into place whole, is the commit: a failure or a kill before it leaves the old index
    /// in force (its own generation's files untouched; this generation's are deleted on failure), and after it the new one.
    /// </remarks>
    public static SpannIndex Write(string directory, FileStream folderLock, int dimension, VectorMetric metric, SpannOptions options, HnswIndex headIndex, PostingTable table, Dictionary<long, int> versions, (PostingFile File, Guid Id, long Generation)? written, PostingCodes? codes)
    {
        var (file, indexId, generation) = written ?? NewPostings(directory, dimension, metric);
        bool committed = false;
        SpannWal? wal = null;
        try
        {
            file.Flush();
            headIndex.Save(SpannMeta.HeadFile(directory, generation));
            codes?.Write(PostingCodes.FileFor(directory, generation), indexId, generation, table.Length);
            var meta = new SpannMeta
            {
                Dimension = dimension,
                Metric = metric,
                IndexId = indexId,
                HeadGeneration = generation,
                PostingsGeneration = generation,
                WalSequence = 0,
                PostingsEnd = file.End,
                Postings = table,
                Versions = versions,
                HasCodes = codes is not null,
            };

            // The old index's log goes just before the commit: a new meta beside it would fail every open (the log belongs to
            // another index), while the old meta without a log opens as its last checkpoint (SpannWal.Open starts a new log).
            // Only updates a killed writer of the old index logged after its last checkpoint could be lost, and only if this
            // build dies in the moment between the two.
            File.Delete(Path.Combine(directory, SpannWal.FileName));
            meta.Write(directory);
            committed = true;
            wal = SpannWal.Create(directory, indexId, dimension, options.FsyncWrites);
            DeleteOtherGenerations(directory, generation);
            return new SpannIndex(directory, folderLock, options, meta, headIndex, file, wal, codes);
        }
        catch
        {
            file.Dispose();
            wal?.Dispose();
            if (!committed)
            {
                DeleteGeneration(directory, generation);
            }

            throw;
        }
    }

    /// <summary>Heads up to which the build assigns vectors by an exact scan: done once, offline, it can afford more than a query.</summary>
    private static int ExactAssignmentLimit(SpannOptions options) => Math.Max(options.ExactHeadLimit, 8_192);

    /// <summary>An empty postings file of a new generation and index id (an empty index).</summary>
    private static (PostingFile File, Guid Id, long Generation) NewPostings(string directory, int dimension, VectorMetric metric)
    {
        long generation = NextGeneration(directory);
        var indexId = Guid.NewGuid();
        return (PostingFile.Create(SpannMeta.PostingsFile(directory, generation), dimension, metric, indexId), indexId, generation);
    }

    /// <summary>One past the highest generation of any head, postings or codes file in the folder (1 in an empty one).</summary>
    private static long NextGeneration(string directory)
    {
        long highest = 0;
        foreach (string path in Directory.EnumerateFiles(directory))
        {
            if (GenerationOf(Path.GetFileName(path)) is { } generation)
            {
                highest = Math.Max(highest, generation);
            }
        }

        return highest + 1;
    }

    /// <summary>The generation in a head, postings or codes file's name (<c>heads.G.hnsw</c>, <c>postings.P.spp</c>, <c>codes.G.pq</c>); null for any other name.</summary>
    private static long? GenerationOf(string name)
    {
        foreach (var (prefix, suffix) in GenerationFiles)
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal) && name.EndsWith(suffix, StringComparison.Ordinal)
                && long.TryParse(name.AsSpan(prefix.Length, name.Length - prefix.Length - suffix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out long generation))
            {
                return generation;
            }
        }

        return null;
    }

    /// <summary>Deletes what a build that failed before its commit wrote (the build's own error is the one to report).</summary>
    private static void DeleteGeneration(string directory, long generation)
    {
        TryDelete(SpannMeta.PostingsFile(directory, generation));
        TryDelete(SpannMeta.HeadFile(directory, generation));
        TryDelete(PostingCodes.FileFor(directory, generation));
    }

    /// <summary>After the commit: every head, postings and codes file of another generation (the replaced index), and old temporary files.</summary>
    private static void DeleteOtherGenerations(string directory, long generation)
    {
        foreach (string path in Directory.EnumerateFiles(directory))
        {
            string name = Path.GetFileName(path);
            if ((GenerationOf(name) is { } other && other != generation) || name.EndsWith(".tmp", StringComparison.Ordinal))
            {
                TryDelete(path);
            }
        }
    }

    /// <summary>
    /// Best effort: a file left behind is never read (the meta names the generations in force), the next build's commit
    /// deletes it, and the next build's generation is past it; failing a build that committed for it would report an index
    /// that is there as missing.
    /// </summary>
    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the next build, as above.
        }
    }
}
