using AgentMem.Common.IO;

namespace AgentMem.Retrieval.Spann;

/// <summary>
/// A disk-resident approximate k-NN index after SPANN (Chen et al., NeurIPS 2021) with SPFresh-style
/// online updates (Xu et al., SOSP 2023). In memory: the heads (centroids of a hierarchical balanced
/// k-means, about <see cref="SpannOptions.HeadFraction"/> of the vectors) in an <see cref="HnswIndex"/>,
/// the posting table (offset, size, count per posting) and one version label per key. On disk: every
/// vector at full precision, replicated into the posting lists of up to
/// <see cref="SpannOptions.MaxReplicas"/> nearby heads (<see cref="ClosureAssignment"/>), each posting
/// page-aligned in one file read with <see cref="RandomAccess"/>. Optionally (by default after
/// <see cref="Build"/>), in memory too: a product-quantisation code, key and version label per posting
/// entry (<see cref="SpannOptions.CodeBytes"/>), so that probing a posting costs no disk read.
/// </summary>
/// <remarks>
/// <para>Search: the nearest heads from the HNSW, pruned query-aware — postings whose head distance
/// exceeds d₁ + ε·|d₁| (d₁ the nearest head's distance; for L2 the <em>squared</em> distance, so the
/// default ε=1 is a radius factor of √2 ≈ 1.41) are skipped, and at most <see cref="SpannOptions.MaxProbes"/> are
/// read, several in flight. Entries whose version label is not the key's current one (deleted or
/// replaced) are skipped, replicas are de-duplicated by key, and the survivors are ranked by their exact
/// distance on the full-precision vectors read from disk. With codes, the probed entries are instead
/// ranked by their code distance in memory (one m×256 look-up table per query), and only the best
/// <see cref="SpannOptions.RerankDepth"/> full-precision vectors are read from disk and ranked exactly;
/// version, replica and filter checks run only for entries good enough to enter that candidate list.</para>
/// <para>Updates: see the <c>SpannIndex.Updates</c> part: insert appends to the chosen postings, delete
/// bumps the version label, an over-full posting is split by 2-means with LIRE reassignment of boundary
/// vectors, tiny postings are merged, and every update is in a write-ahead log before it is applied.</para>
/// <para>Thread safety: many concurrent searches, one writer (a reader-writer lock), like
/// <see cref="HnswIndex"/>. One instance per folder: <see cref="Create"/>, <see cref="Build"/> and
/// <see cref="Open"/> hold the folder's lock file (<c>spann.lock</c>) until <see cref="Dispose"/>, and a
/// second one, in this process or another, is refused with an <see cref="IOException"/>.</para>
/// </remarks>
public sealed partial class SpannIndex : IVectorIndex
{
    /// <summary>The lock file an open index holds in its folder.</summary>
    internal const string LockFile = "spann.lock";

    private readonly ReaderWriterLockSlim gate = new(LockRecursionPolicy.NoRecursion);
    private readonly string directory;
    private readonly FileStream folderLock;
    private readonly Guid indexId;
    private readonly PostingTable postings;
    private readonly Dictionary<long, int> versions;
    private readonly ConcurrentQueue<int> mergeCandidates = new();

    // The postings in mergeCandidates: a search notes a small posting each time it probes it, and only writes drain the
    // queue, so without this a read-only spell grew it by every search.
    private readonly ConcurrentDictionary<int, byte> queuedMerges = new();
    private readonly int entrySize;

    // Postings files a compaction replaced, deleted once a checkpoint's meta names the new generation: a checkpoint that
    // failed after compacting (the head file could not be written) forgot them, and they stayed on disk for good.
    private readonly List<string> replacedPostings = [];
    private PostingCodes? codes;
    private HeadIndex heads;
    private PostingFile file;
    private SpannWal wal;
    private long headGeneration;
    private long postingsGeneration;
    private long walSequence;
    private long checkpointSequence;
    private long garbageBytes;
    private int liveCount;
    private bool disposed;
    private int disposing;

    internal SpannIndex(string directory, FileStream folderLock, SpannOptions options, SpannMeta meta, HnswIndex heads, PostingFile file, SpannWal wal, PostingCodes? codes)
    {
        this.directory = directory;
        this.folderLock = folderLock;
        this.codes = codes;
        Options = options;
        Dimension = meta.Dimension;
        Metric = meta.Metric;
        indexId = meta.IndexId;
        postings = meta.Postings;
        versions = meta.Versions;
        this.heads = new HeadIndex(heads, options.ExactHeadLimit);
        this.file = file;
        this.wal = wal;
        headGeneration = meta.HeadGeneration;
        postingsGeneration = meta.PostingsGeneration;
        walSequence = meta.WalSequence;
        checkpointSequence = meta.WalSequence;
        entrySize = PostingLayout.EntrySize(meta.Dimension);
        foreach (int v in versions.Values)
        {
            if (v > 0)
            {
                liveCount++;
            }
        }

        // Extents no live posting uses, left by growth and splits before the last checkpoint (see compaction).
        garbageBytes = file.End - PostingLayout.PageSize;
        for (int p = 0; p < postings.Length; p++)
        {
            if (postings.IsAlive(p))
            {
                garbageBytes -= postings.CapacityBytes(p);
            }
        }
    }

    /// <inheritdoc/>
    public int Dimension { get; }

    /// <inheritdoc/>
    public VectorMetric Metric { get; }

    /// <summary>The options in force (search defaults, update thresholds).</summary>
    public SpannOptions Options { get; }

    /// <inheritdoc/>
    public int Count
    {
        get
        {
            using (gate.Read())
            {
                ObjectDisposedException.ThrowIf(disposed, this);
                return liveCount;
            }
        }
    }

    /// <summary>Live posting lists (= heads).</summary>
    public int PostingCount => heads.Count;

    /// <summary>Bytes of the postings file in use (the on-disk part; not resident memory).</summary>
    public long DiskBytes => file.End;

    /// <summary>Bytes of the in-memory code per posting entry (0: the index keeps no codes and scans postings from disk).</summary>
    public int CodeBytes => codes?.CodeSize ?? 0;

    /// <summary>
    /// Bytes of the index's resident structures: the head HNSW (vectors and links), the posting table,
    /// the version labels (estimated at 24 bytes a key, the dictionary's entry size) and the in-memory
    /// codes with their keys and labels. The postings file, and the OS page cache over it, are not counted.
    /// </summary>
    public long MemoryBytes
    {
        get
        {
            using (gate.Read())
            {
                ObjectDisposedException.ThrowIf(disposed, this);
                return heads.MemoryBytes + postings.MemoryBytes + (versions.Count * 24L) + (codes?.MemoryBytes ?? 0);
            }
        }
    }

    /// <summary>Seconds per phase (and head/replica counts) of the last <see cref="Build"/> on this thread.</summary>
    public static IReadOnlyDictionary<string, double> LastBuildPhases => SpannBuilder.LastPhases;

    /// <summary>
    /// Creates an empty index in <paramref name="directory"/> (created if missing; any index there is replaced, and deleted
    /// only once the new one is in place).
    /// </summary>
    /// <exception cref="IOException">Another instance has the folder open (see <see cref="LockFolder"/>).</exception>
    public static SpannIndex Create(string directory, int dimension, VectorMetric metric, SpannOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (!Enum.IsDefined(metric))
        {
            throw new ArgumentOutOfRangeException(nameof(metric), metric, "Unknown metric.");
        }

        options ??= new SpannOptions();
        options.Validate();
        Directory.CreateDirectory(directory);
        var held = LockFolder(directory);
        try
        {
            return SpannBuilder.Write(directory, held, dimension, metric, options, new HnswIndex(dimension, metric, options.HeadIndex), new PostingTable(), [], null, null);
        }
        catch
        {
            held.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Builds an index over <paramref name="vectors"/> (keys: <paramref name="keys"/>, or the row numbers)
    /// in <paramref name="directory"/>: hierarchical balanced k-means, head HNSW, closure assignment,
    /// page-aligned postings. Multi-threaded where it pays (k-means, assignment). An index already in the folder is
    /// replaced: the new one is written beside it under new file generations, and the old one's files are deleted only
    /// once the new <c>spann.meta</c> is in place, so a build that fails or is killed part way leaves the old index as it was.
    /// </summary>
    /// <exception cref="VectorFormatException">A vector has a non-finite value or a squared length past <see cref="VectorDistance.MaxSquaredLength"/>.</exception>
    /// <exception cref="IOException">Another instance has the folder open (nothing in it is touched).</exception>
    public static SpannIndex Build(string directory, VectorMetric metric, VectorRows<float> vectors, IReadOnlyList<long>? keys = null, SpannOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        options ??= new SpannOptions();
        options.Validate();
        return SpannBuilder.Build(directory, metric, vectors, keys, options);
    }

    /// <summary>
    /// Opens the index in <paramref name="directory"/> and replays its write-ahead log. With
    /// <paramref name="expectedDimension"/>, an index of another dimension is refused.
    /// </summary>
    /// <exception cref="VectorFormatException">A file is missing, truncated, corrupt, of another index or format version, or of another dimension.</exception>
    /// <exception cref="IOException">Another instance has the folder open.</exception>
    public static SpannIndex Open(string directory, SpannOptions? options = null, int? expectedDimension = null)
    {
        options ??= new SpannOptions();
        options.Validate();
        if (!Directory.Exists(directory))
        {
            throw new VectorFormatException($"'{directory}' holds no SPANN index (the folder is missing).");
        }

        var held = LockFolder(directory);
        PostingFile? file = null;
        SpannWal? wal = null;
        try
        {
            var meta = SpannMeta.Read(directory, expectedDimension);
            file = PostingFile.Open(SpannMeta.PostingsFile(directory, meta.PostingsGeneration), meta.Dimension, meta.Metric, meta.IndexId, meta.PostingsEnd);
            var heads = LoadHeads(directory, meta);
            CheckPostings(meta, file, options.VerifyPostingsOnOpen, heads);
            var codes = meta.HasCodes ? PostingCodes.Read(PostingCodes.FileFor(directory, meta.HeadGeneration), meta.IndexId, meta.HeadGeneration, meta.Dimension, meta.Postings) : null;
            var replay = new List<SpannWal.Entry>();
            wal = SpannWal.Open(directory, meta.IndexId, meta.Dimension, options.FsyncWrites, meta.WalSequence, replay);
            var index = new SpannIndex(directory, held, options, meta, heads, file, wal, codes);
            index.Replay(replay);
            if (replay.Count >= options.CheckpointAfterReplay)
            {
                // Replaying is far slower than appending (splits redo their work): never pay for the same log twice.
                index.Checkpoint();
            }

            return index;
        }
        catch
        {
            file?.Dispose();
            wal?.Dispose();
            held.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Takes the lock file of <paramref name="directory"/> (which must exist) for one instance's life. Two instances on one
    /// folder would allocate extents from the same file end and append to one log, and the last checkpoint would drop every
    /// acknowledged update of the other. Holding it, deletes the temporary files of checkpoints whose process was killed
    /// before their rename: every writer of the folder holds this lock, so none of them can be a save under way.
    /// </summary>
    /// <exception cref="IOException">Another instance, in this process or another, holds it.</exception>
    internal static FileStream LockFolder(string directory)
    {
        FileStream held;
        try
        {
            held = FolderLock.Take(directory, LockFile);
        }
        catch (IOException ex)
        {
            throw new IOException($"The SPANN index folder '{directory}' is in use: another SpannIndex, in this process or another, holds its {LockFile} ({ex.Message}).", ex);
        }

        CrashSafeLeftovers.SweepLocked(directory);
        return held;
    }

    /// <summary>
    /// The <paramref name="k"/> nearest vectors, closest first, probing up to <see cref="SpannOptions.MaxProbes"/> postings
    /// within <see cref="SpannOptions.SearchEpsilon"/>. With a filter, only keys it accepts are returned. When those
    /// postings hold fewer than k matches (with a filter), or fewer than k and fewer than <see cref="Count"/> (without),
    /// every posting is probed, as <see cref="IVectorIndex"/> promises.
    /// </summary>
    public IReadOnlyList<VectorMatch> Search(ReadOnlySpan<float> query, int k, Func<long, bool>? filter = null)
    {
        var matches = Search(query, k, Options.MaxProbes, Options.SearchEpsilon, filter);
        if (matches.Count < k && PostingCount > Options.MaxProbes && (filter is not null || matches.Count < Count))
        {
            // The nearest heads held too few: a filter that passes only far clusters, or deletes that left the postings
            // around the query stale (a search only queues them for merging, which the next write does). The matches may be
            // in any posting.
            matches = Search(query, k, PostingCount, Options.SearchEpsilon, filter);
        }

        return matches;
    }

    /// <summary>
    /// The <paramref name="k"/> nearest vectors, probing at most <paramref name="maxProbes"/> postings
    /// whose head is within d₁ + <paramref name="epsilon"/>·|d₁| of the query (index distance: squared
    /// for L2). With in-memory codes, the probed entries are ranked by code distance and the best
    /// <paramref name="rerankDepth"/> (default <see cref="SpannOptions.RerankDepth"/>, at least k) are
    /// read from disk and ranked exactly. A filter is applied to the probed candidates only, so fewer
    /// than k may come back.
    /// </summary>
    public IReadOnlyList<VectorMatch> Search(ReadOnlySpan<float> query, int k, int maxProbes, float epsilon, Func<long, bool>? filter = null, int? rerankDepth = null)
    {
        VectorDistance.Validate(query, Dimension, "query");
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxProbes, 1);
        if (rerankDepth is { } depth)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1, nameof(rerankDepth));
        }

        if (!(epsilon >= 0 && float.IsFinite(epsilon)))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ε must be finite and non-negative.");
        }

        var scratch = SpannScratch.For(Dimension);
        var q = scratch.Query;
        query.CopyTo(q);
        if (Metric == VectorMetric.Cosine)
        {
            VectorDistance.Normalize(q);
        }

        using (gate.Read())
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            var near = heads.Search(q, maxProbes, Math.Max(maxProbes, Options.HeadSearchEf));
            if (near.Count == 0)
            {
                return [];
            }

            float first = near[0].Distance;
            float limit = first + (epsilon * Math.Abs(first));
            var probe = scratch.Probes;
            probe.Clear();
            int next = 0;
            for (; next < near.Count && near[next].Distance <= limit; next++)
            {
                AddIfLive(near[next].Key, probe);
            }

            scratch.Seen.Clear();
            scratch.Top.Clear();
            scratch.TopKeys.Clear();
            while (true)
            {
                Scan(probe, q, k, rerankDepth, filter, scratch);

                // The radius is relative to the nearest head, so a query beside a cluster its deletes emptied, on a head
                // (distance 0), or under a filter that passes few found fewer than k, even none, with matches in the
                // heads just outside it. The next heads in order are probed, twice as many each round, up to maxProbes.
                if (scratch.Top.Count >= k || next >= near.Count)
                {
                    break;
                }

                int widen = Math.Max(2 * probe.Count, 1);
                probe.Clear();
                for (; next < near.Count && probe.Count < widen; next++)
                {
                    AddIfLive(near[next].Key, probe);
                }
            }

            var top = scratch.Top;
            var results = new VectorMatch[top.Count];
            for (int i = top.Count - 1; i >= 0; i--)
            {
                results[i] = new VectorMatch(scratch.TopKeys[top.TopNode], ReportedDistance(top.TopDistance));
                top.Pop();
            }

            return results;
        }
    }

    /// <summary>
    /// Writes a checkpoint (if anything changed) and closes the files, also when that checkpoint fails; a second call does
    /// nothing. A call still waiting for the index then, or made later, throws <see cref="ObjectDisposedException"/>.
    /// </summary>
    /// <exception cref="IOException">The final checkpoint could not be written. The index is closed all the same, and its
    /// write-ahead log keeps every update since the last checkpoint for the next <see cref="Open"/> to replay.</exception>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposing, 1) != 0)
        {
            return;
        }

        // The reader-writer lock is not disposed: its Dispose throws SynchronizationLockException while any thread waits on
        // it (a search that came during the final checkpoint), and the flag already refuses every call that gets it. It
        // holds no handle until contention makes it create its events, and their own finalizers release those.
        using (gate.Write())
        {
            try
            {
                if (walSequence != checkpointSequence || postingsDirty)
                {
                    CheckpointLocked();
                }
            }
            finally
            {
                // A failed checkpoint left the index open: it went on answering, and its files stayed held.
                disposed = true;
                file.Dispose();
                wal.Dispose();
                heads.Dispose();
                folderLock.Dispose(); // last: the folder is free for the next instance once every file is closed
            }
        }
    }

    private static HnswIndex LoadHeads(string directory, SpannMeta meta)
    {
        string path = SpannMeta.HeadFile(directory, meta.HeadGeneration);
        if (!File.Exists(path))
        {
            throw new VectorFormatException($"The SPANN head file '{path}' is missing.");
        }

        var heads = HnswIndex.Load(path);
        if (heads.Dimension != meta.Dimension || heads.Metric != meta.Metric)
        {
            heads.Dispose();
            throw new VectorFormatException($"The SPANN head file '{path}' holds {heads.Dimension}-dimensional {heads.Metric} vectors; the index is {meta.Dimension}-dimensional {meta.Metric}.");
        }

        return heads;
    }

    private static void CheckPostings(SpannMeta meta, PostingFile file, bool verify, HnswIndex heads)
    {
        int size = PostingLayout.EntrySize(meta.Dimension);
        var table = meta.Postings;
        int alive = 0;
        var probe = new float[meta.Dimension];
        byte[] buffer = [];
        for (int p = 0; p < table.Length; p++)
        {
            if (!table.IsAlive(p))
            {
                continue;
            }

            alive++;
            long offset = table.Offset(p);
            if (offset < PostingLayout.PageSize || offset % PostingLayout.PageSize != 0 || table.Count(p) < 0
                || (long)table.Count(p) * size > table.CapacityBytes(p) || offset + table.CapacityBytes(p) > meta.PostingsEnd)
            {
                throw new VectorFormatException($"The SPANN meta file describes posting {p} outside the postings file (corrupt or foreign).");
            }

            if (!heads.TryCopyVector(p, probe))
            {
                throw new VectorFormatException($"The SPANN head file has no head for posting {p} (it belongs to another checkpoint).");
            }

            if (verify)
            {
                int bytes = table.Count(p) * size;
                if (buffer.Length < bytes)
                {
                    buffer = new byte[bytes];
                }

                file.Read(buffer.AsSpan(0, bytes), offset);
                if (Crc32.HashToUInt32(buffer.AsSpan(0, bytes)) != table.Checksum(p))
                {
                    throw FailsItsCrc(file, p);
                }

                table.MarkVerified(p);
            }
        }

        if (alive != heads.Count)
        {
            throw new VectorFormatException($"The SPANN head file has {heads.Count} heads; the meta file has {alive} postings (files of different checkpoints or indexes).");
        }
    }

    /// <summary>
    /// Checks a clean posting's entries, read whole, against the CRC of the last checkpoint, once per open (when the open did
    /// not check them all). Every whole read goes through here, so what a split, a merge, a move or a compaction rewrites
    /// was checked first: the rewrite gives the entries a fresh CRC, which would otherwise make corrupt ones look sound.
    /// </summary>
    /// <exception cref="VectorFormatException">The entries do not match the posting's CRC.</exception>
    private void CheckPosting(int p, ReadOnlySpan<byte> entries)
    {
        if (postings.IsDirty(p) || postings.IsVerified(p))
        {
            return;
        }

        if (Crc32.HashToUInt32(entries) != postings.Checksum(p))
        {
            throw FailsItsCrc(file, p);
        }

        postings.MarkVerified(p);
    }

    private static VectorFormatException FailsItsCrc(PostingFile file, int p) =>
        new($"The SPANN postings file '{file.Path}' is corrupt: posting {p} fails its CRC.");

    /// <summary>Reads posting <paramref name="p"/>'s entries whole into <paramref name="destination"/> (its exact size) and checks them.</summary>
    private void ReadPosting(int p, Span<byte> destination)
    {
        file.Read(destination, postings.Offset(p));
        CheckPosting(p, destination);
    }

    private void AddIfLive(long head, List<int> probe)
    {
        int p = (int)head;
        if (postings.IsAlive(p) && postings.Count(p) > 0)
        {
            probe.Add(p);
        }
    }

    /// <summary>Scans the probed postings, offering their live, unseen, filter-passing entries to the top k.</summary>
    private void Scan(List<int> probe, float[] q, int k, int? rerankDepth, Func<long, bool>? filter, SpannScratch scratch)
    {
        if (probe.Count == 0)
        {
            return;
        }

        if (codes is not null)
        {
            RankByCodes(probe, q, Math.Max(k, rerankDepth ?? Options.RerankDepth), filter, scratch);
            Rerank(q, k, scratch);
        }
        else if (Options.ReadsInFlight <= 1 || probe.Count == 1)
        {
            var buffer = scratch.Buffer(0, MaxBytes(probe));
            foreach (int p in probe)
            {
                int bytes = postings.Count(p) * entrySize;
                file.Read(buffer.AsSpan(0, bytes), postings.Offset(p));
                ScanPosting(p, buffer.AsSpan(0, bytes), q, k, filter, scratch);
            }
        }
        else
        {
            ReadPipelined(probe, q, k, filter, scratch);
        }
    }

    private int MaxBytes(List<int> probe)
    {
        int max = 0;
        foreach (int p in probe)
        {
            max = Math.Max(max, postings.Count(p) * entrySize);
        }

        return max;
    }

    /// <summary>Several posting reads in flight: scan posting i while reads i+1 … i+w−1 are under way.</summary>
    private void ReadPipelined(List<int> probe, float[] q, int k, Func<long, bool>? filter, SpannScratch scratch)
    {
        int window = Math.Min(Options.ReadsInFlight, probe.Count);
        var pending = new Task[window];
        int max = MaxBytes(probe);
        for (int i = 0; i < window; i++)
        {
            pending[i] = Start(i);
        }

        for (int i = 0; i < probe.Count; i++)
        {
            int slot = i % window;
            pending[slot].GetAwaiter().GetResult();
            int p = probe[i];
            ScanPosting(p, scratch.Buffer(slot, max).AsSpan(0, postings.Count(p) * entrySize), q, k, filter, scratch);
            if (i + window < probe.Count)
            {
                pending[slot] = Start(i + window);
            }
        }

        Task Start(int i)
        {
            int p = probe[i];
            var buffer = scratch.Buffer(i % window, max);
            return file.ReadAsync(buffer.AsMemory(0, postings.Count(p) * entrySize), postings.Offset(p)).AsTask();
        }
    }

    private void ScanPosting(int posting, ReadOnlySpan<byte> data, float[] q, int k, Func<long, bool>? filter, SpannScratch scratch)
    {
        CheckPosting(posting, data);
        var seen = scratch.Seen;
        int live = 0;
        for (int at = 0; at + entrySize <= data.Length; at += entrySize)
        {
            var entry = data.Slice(at, entrySize);
            long key = PostingLayout.Key(entry);
            if (!versions.TryGetValue(key, out int version) || version != PostingLayout.Version(entry))
            {
                continue; // deleted or replaced: a stale replica, collected when the posting is next rewritten
            }

            live++;
            if (!seen.Add(key) || (filter is not null && !filter(key)))
            {
                continue;
            }

            scratch.Offer(key, Kernel(q, PostingLayout.Vector(entry, Dimension)), k);
        }

        if (live < Options.MergeThreshold)
        {
            QueueMerge(posting);
        }
    }

    /// <summary>
    /// Ranks the probed postings' entries by code distance (ADC) in memory, keeping the best
    /// <paramref name="depth"/> live, unique, filter-passing entries in <see cref="SpannScratch.Candidates"/>.
    /// Version, duplicate and filter checks run only for entries that would enter the candidate heap.
    /// </summary>
    private void RankByCodes(List<int> probe, float[] q, int depth, Func<long, bool>? filter, SpannScratch scratch)
    {
        var c = codes!;
        var quantizer = c.Quantizer;
        var table = scratch.Table(quantizer.TableLength);
        quantizer.DistanceTable(q, Metric, table);
        var heap = scratch.CandidateHeap;
        var entries = scratch.Candidates;
        var inHeap = scratch.Seen;
        heap.Clear();
        entries.Clear();
        foreach (int p in probe)
        {
            int count = c.Count(p);
            var distances = scratch.Distances(count);
            ProductQuantizer.Scan(table, c.Codes(p), c.CodeSize, distances);
            if (count < 4 * Options.MergeThreshold)
            {
                CheckSmall(p, count);
            }

            for (int i = 0; i < count; i++)
            {
                float d = distances[i];
                if (heap.Count == depth && d >= heap.TopDistance)
                {
                    continue;
                }

                long key = c.Key(p, i);
                if (!versions.TryGetValue(key, out int version) || version != c.Version(p, i) || inHeap.Contains(key) || (filter is not null && !filter(key)))
                {
                    continue;
                }

                if (heap.Count == depth)
                {
                    int slot = heap.TopNode;
                    inHeap.Remove(c.Key(entries[slot].Posting, entries[slot].Entry));
                    entries[slot] = (p, i);
                    heap.ReplaceTop(slot, d);
                }
                else
                {
                    entries.Add((p, i));
                    heap.Push(entries.Count - 1, d);
                }

                inHeap.Add(key);
            }
        }
    }

    /// <summary>Keys with a version label, live or deleted (tests and diagnostics).</summary>
    internal int LabelledKeys
    {
        get
        {
            using (gate.Read())
            {
                ObjectDisposedException.ThrowIf(disposed, this);
                return versions.Count;
            }
        }
    }

    /// <summary>Postings queued for a merge check (tests and diagnostics).</summary>
    internal int QueuedMerges => mergeCandidates.Count;

    private void QueueMerge(int posting)
    {
        if (queuedMerges.TryAdd(posting, 0))
        {
            mergeCandidates.Enqueue(posting);
        }
    }

    /// <summary>A posting too small to be worth its head is queued for merging (the code path reads no posting to notice).</summary>
    private void CheckSmall(int p, int count)
    {
        int live = 0;
        for (int i = 0; i < count; i++)
        {
            if (versions.TryGetValue(codes!.Key(p, i), out int version) && version == codes.Version(p, i))
            {
                live++;
            }
        }

        if (live < Options.MergeThreshold)
        {
            QueueMerge(p);
        }
    }

    /// <summary>Reads the candidates' full-precision vectors from the postings file and keeps the k exactly nearest in <see cref="SpannScratch.Top"/>.</summary>
    private void Rerank(float[] q, int k, SpannScratch scratch)
    {
        var entries = scratch.Candidates;
        var heap = scratch.CandidateHeap;
        var buffer = scratch.Buffer(0, entrySize).AsSpan(0, entrySize);
        while (heap.Count > 0)
        {
            var (p, i) = entries[heap.TopNode];
            heap.Pop();
            file.Read(buffer, postings.Offset(p) + ((long)i * entrySize));
            long key = PostingLayout.Key(buffer);
            if (key != codes!.Key(p, i))
            {
                throw new InvalidOperationException($"The SPANN codes of posting {p} disagree with the postings file '{file.Path}' at entry {i} (key {key}, expected {codes.Key(p, i)}).");
            }

            scratch.Offer(key, Kernel(q, PostingLayout.Vector(buffer, Dimension)), k);
        }
    }

    /// <summary>Distance on stored vectors: squared L2, or −dot (cosine vectors are normalised, reported as 1 − dot).</summary>
    private float Kernel(ReadOnlySpan<float> a, ReadOnlySpan<float> b) =>
        Metric == VectorMetric.L2 ? VectorDistance.SquaredL2(a, b) : VectorDistance.NegatedDot(a, b);

    private float ReportedDistance(float kernel) => Metric == VectorMetric.Cosine ? 1f + kernel : kernel;
}
