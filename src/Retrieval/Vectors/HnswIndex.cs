using System.Runtime.Intrinsics.X86;

namespace AgentMem.Retrieval.Vectors;

/// <summary>
/// Approximate k-NN over a Hierarchical Navigable Small World graph (Malkov &amp; Yashunin, 2016):
/// exponential level assignment, greedy descent through the upper layers, a beam search of width ef on
/// layer 0, and the neighbour-selection heuristic (the paper's algorithm 4) both when linking a new node
/// and when shrinking a node whose link list overflows.
/// </summary>
/// <remarks>
/// <para>Storage: all vectors in one contiguous array; layer-0 links in one flat array with a fixed stride
/// of 2M+1 ints per node (count, then ids); upper-layer links in one flat array per node covering its
/// layers 1..level at a stride of M+1. Nodes are dense int slots mapped to the caller's long keys.
/// The vector and layer-0 arrays live on the pinned object heap, the vectors from a 64-byte boundary, so
/// the search loop reads them by pointer without bounds checks and prefetches the next neighbour's
/// vector while it computes the current one (the graph is far larger than cache; memory latency, not
/// arithmetic, is what a search mostly waits on).</para>
/// <para>Deletes: the node is marked deleted (never returned), and each of its neighbours that linked to
/// it is repaired by re-selecting its links, with the heuristic, from its remaining links plus the deleted
/// node's neighbours. The deleted node keeps its own outgoing links so that any node still pointing at it
/// can route through it; its slot goes to a free list and the next new key reuses it, keeping the slot's
/// level (itself a draw from the level distribution), so the graph never points at a layer a node lacks.
/// Re-adding a key replaces its vector: the node is unlinked as above and inserted again in place.</para>
/// <para>Filters are applied to results, not to traversal: rejected and deleted nodes are still expanded,
/// and the search keeps going until it holds ef accepted nodes or runs out of reachable nodes, then scans
/// whatever it did not reach, so it never returns fewer than k when k acceptable vectors exist.</para>
/// <para>Cosine: vectors are stored normalised and compared by inner product (1 − a·b), the same
/// distance <see cref="VectorMetric.Cosine"/> reports, without a norm per comparison.</para>
/// <para>Thread safety: many concurrent searches, one writer (a reader-writer lock); searches use
/// per-thread scratch buffers, so they allocate only their result list.</para>
/// </remarks>
public sealed unsafe class HnswIndex : IVectorIndex
{
    private const int MaxLevelCap = 30;

    // The hot methods carry AggressiveOptimization: they are fully optimised from their first call, not
    // after tiering, which otherwise spends a small build's first ~20% in unoptimised loops.

    /// <summary>
    /// Most cache lines of the next neighbour's vector prefetched while the current one is measured: the
    /// whole row up to 512 floats. On the 100K x 384 set, back to back, the whole row built ~20% and searched
    /// ~5% faster than the first line alone (what hnswlib prefetches); the hardware prefetcher trails behind.
    /// </summary>
    private const int PrefetchLines = 32;

    private readonly ReaderWriterLockSlim gate = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<long, int> slotOf;
    private readonly Stack<int> freeSlots = new();
    private readonly VectorMetric kernelMetric;
    private readonly bool kernelIsL2;
    private readonly double levelMultiplier;
    private Random random;

    // Row r of the vectors starts at vectors[vectorOffset + r * Dimension] (vectorBase points there).
    private float[] vectors;
    private int vectorOffset;
    private float* vectorBase;
    private int* linkBase;
    private long[] keys;
    private int[] levels;
    private bool[] deleted;
    private int[] links0;
    private int[]?[] upperLinks;
    private int nodeCount;
    private int entryPoint = -1;
    private int maxLevel = -1;
    private bool disposed;

    /// <summary>Creates an empty index.</summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A parameter is out of range, or <see cref="HnswOptions.MaxElements"/> vectors of <paramref name="dimension"/> floats
    /// do not fit in one array.
    /// </exception>
    public HnswIndex(int dimension, VectorMetric metric, HnswOptions? options = null)
        : this(dimension, metric, options, capacity: null)
    {
    }

    private HnswIndex(int dimension, VectorMetric metric, HnswOptions? options, int? capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (!Enum.IsDefined(metric))
        {
            throw new ArgumentOutOfRangeException(nameof(metric), metric, "Unknown metric.");
        }

        Options = options ?? new HnswOptions();
        Options.Validate();
        Dimension = dimension;
        Metric = metric;
        kernelMetric = metric == VectorMetric.Cosine ? VectorMetric.InnerProduct : metric;
        kernelIsL2 = kernelMetric == VectorMetric.L2;
        levelMultiplier = 1 / Math.Log(Options.M);
        random = new Random(Options.Seed);
        int slots = capacity ?? Options.MaxElements ?? 1024;

        // The storage is sized by int products (rows times dimension, rows times stride): a capacity they would wrap left
        // storage for a few rows, and a second Add a half-added node that searches read past the array's end.
        long most = Math.Min((Array.MaxLength - 16L) / dimension, Array.MaxLength / Layer0Stride);
        if (slots > most)
        {
            throw new ArgumentOutOfRangeException(nameof(options), slots, $"MaxElements {slots:N0} of {dimension} dimensions does not fit one array; at most {most:N0} (the index grows past a smaller MaxElements when needed).");
        }

        slotOf = new Dictionary<long, int>(slots);
        vectors = [];
        links0 = [];
        AllocateStorage(slots, ReadOnlySpan<float>.Empty, ReadOnlySpan<int>.Empty);
        keys = new long[slots];
        levels = new int[slots];
        deleted = new bool[slots];
        upperLinks = new int[]?[slots];
    }

    /// <inheritdoc/>
    public int Dimension { get; }

    /// <inheritdoc/>
    public VectorMetric Metric { get; }

    /// <summary>The parameters the graph was built with.</summary>
    public HnswOptions Options { get; }

    /// <inheritdoc/>
    public int Count
    {
        get
        {
            using (gate.Read())
            {
                ObjectDisposedException.ThrowIf(disposed, this);
                return slotOf.Count;
            }
        }
    }

    /// <summary>
    /// Bytes held by the index's own structures: vectors, links, keys, levels, flags and (estimated at
    /// 24 bytes an entry) the key map. Capacity is counted, not just the used part.
    /// </summary>
    public long MemoryBytes
    {
        get
        {
            using (gate.Read())
            {
                ObjectDisposedException.ThrowIf(disposed, this);
                long bytes = (vectors.LongLength * sizeof(float)) + (links0.LongLength * sizeof(int))
                    + (keys.LongLength * sizeof(long)) + (levels.LongLength * sizeof(int)) + deleted.LongLength
                    + (upperLinks.LongLength * IntPtr.Size) + (slotOf.Count * 24L);
                for (int i = 0; i < nodeCount; i++)
                {
                    if (upperLinks[i] is { } links)
                    {
                        bytes += links.LongLength * sizeof(int);
                    }
                }

                return bytes;
            }
        }
    }

    private int M => Options.M;

    private int MaxLinks0 => 2 * Options.M;

    private int Layer0Stride => (2 * Options.M) + 1;

    private int UpperStride => Options.M + 1;

    /// <summary>Reads an index written by <see cref="Save"/>; see <see cref="HnswFile"/> for the format.</summary>
    /// <exception cref="VectorFormatException">The file is truncated, corrupt, or of another format or version.</exception>
    public static HnswIndex Load(string path) => HnswFile.Read(path);

    /// <summary>Writes the index to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    public void Save(string path)
    {
        using (gate.Read())
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            HnswFile.Write(this, path);
        }
    }

    /// <inheritdoc/>
    public void Add(long key, ReadOnlySpan<float> vector)
    {
        VectorDistance.Validate(vector, Dimension);
        using (gate.Write())
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            var scratch = HnswScratch.Current;
            if (slotOf.TryGetValue(key, out int slot))
            {
                // Replace: take the node out of the graph (repairing its neighbours), then insert it again.
                deleted[slot] = true;
                Unlink(slot, scratch);
                StoreVector(slot, vector);
                Link(slot, scratch);
                deleted[slot] = false;
                return;
            }

            int level;
            if (freeSlots.Count > 0)
            {
                slot = freeSlots.Pop();
                level = levels[slot];
            }
            else
            {
                EnsureCapacity(nodeCount + 1);
                slot = nodeCount++;
                level = RandomLevel();
                levels[slot] = level;
                if (level > 0)
                {
                    upperLinks[slot] = new int[level * UpperStride];
                }
            }

            keys[slot] = key;
            slotOf[key] = slot;
            StoreVector(slot, vector);
            deleted[slot] = true; // not its own neighbour while linking
            Link(slot, scratch);
            deleted[slot] = false;
        }
    }

    /// <inheritdoc/>
    public bool Remove(long key)
    {
        using (gate.Write())
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (!slotOf.Remove(key, out int slot))
            {
                return false;
            }

            deleted[slot] = true;
            Unlink(slot, HnswScratch.Current);
            freeSlots.Push(slot);
            return true;
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<VectorMatch> Search(ReadOnlySpan<float> query, int k, Func<long, bool>? filter = null) =>
        Search(query, k, Options.EfSearch, filter);

    /// <inheritdoc/>
    public IReadOnlyList<VectorMatch> Search(ReadOnlySpan<float> query, int k, VectorSearchOptions options, Func<long, bool>? filter = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Search(query, k, options.BeamWidth ?? Options.EfSearch, filter);
    }

    /// <summary>
    /// The <paramref name="k"/> nearest vectors with an explicit beam width <paramref name="ef"/> (raised
    /// to k when smaller): higher is slower and more accurate.
    /// </summary>
    public IReadOnlyList<VectorMatch> Search(ReadOnlySpan<float> query, int k, int ef, Func<long, bool>? filter = null)
    {
        VectorDistance.Validate(query, Dimension, "query");
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(ef, 1);
        float[]? rented = null;
        if (Metric == VectorMetric.Cosine)
        {
            rented = ArrayPool<float>.Shared.Rent(Dimension);
            var normalised = rented.AsSpan(0, Dimension);
            query.CopyTo(normalised);
            VectorDistance.Normalize(normalised);
            query = normalised;
        }

        gate.EnterReadLock();
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            // No search finds more than the graph's nodes, and k and the beam size its heaps: capped there, int.MaxValue
            // (every match) is no OutOfMemoryException, and a beam past every node walks the same graph as one of them.
            int nodes = Math.Max(nodeCount, 1);
            return SearchLocked(query, Math.Min(k, nodes), Math.Min(Math.Max(ef, k), nodes), filter, HnswScratch.Current);
        }
        finally
        {
            gate.ExitReadLock();
            if (rented is not null)
            {
                ArrayPool<float>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Closes the index once the calls under way have finished; a call still waiting then, or made later, throws
    /// <see cref="ObjectDisposedException"/>. A second call does nothing.
    /// </summary>
    public void Dispose()
    {
        // The reader-writer lock is not disposed: its Dispose throws SynchronizationLockException while any thread waits on
        // it (a search behind a write), and the flag already refuses every call that gets it. It holds no handle until
        // contention makes it create its events, and their own finalizers release those.
        using (gate.Write())
        {
            disposed = true;
        }
    }

    /// <summary>
    /// The <paramref name="k"/> nearest live vectors by scanning every stored row (no graph walk), with the distance
    /// <see cref="VectorDistance.Compute"/> reports. For small sets where a graph's misses cost more than a scan (SPANN
    /// heads): the rows are read where the graph keeps them, so no second copy is needed.
    /// </summary>
    internal IReadOnlyList<VectorMatch> SearchExhaustive(ReadOnlySpan<float> query, int k)
    {
        VectorDistance.Validate(query, Dimension, "query");
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        using (gate.Read())
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            var nearest = new NearestMatches(k, nodeCount);
            for (int node = 0; node < nodeCount; node++)
            {
                if (!deleted[node])
                {
                    nearest.Offer(keys[node], VectorDistance.Compute(Metric, query, VectorOf(node)));
                }
            }

            return nearest.ToArray();
        }
    }

    /// <summary>
    /// Copies the stored vector of <paramref name="key"/> (normalised for cosine) into
    /// <paramref name="destination"/>; false when the key is absent. Lets a SPANN head index serve
    /// head vectors without keeping a second copy of them.
    /// </summary>
    internal bool TryCopyVector(long key, Span<float> destination)
    {
        using (gate.Read())
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (!slotOf.TryGetValue(key, out int slot))
            {
                return false;
            }

            VectorOf(slot).CopyTo(destination);
            return true;
        }
    }

    internal HnswGraph Snapshot() =>
        new(Dimension, Metric, Options, nodeCount, entryPoint, maxLevel, vectors.AsMemory(vectorOffset, nodeCount * Dimension), keys, levels, deleted, links0, upperLinks);

    internal static HnswIndex FromGraph(HnswGraph graph)
    {
        // Capacity 0: the graph's arrays replace the empty ones right away.
        var index = new HnswIndex(graph.Dimension, graph.Metric, graph.Options, capacity: 0);
        // Copied into pinned, aligned storage: the search loop reads it by pointer.
        index.AllocateStorage(graph.Keys.Length, graph.Vectors.Span, graph.Links0);
        index.keys = graph.Keys;
        index.levels = graph.Levels;
        index.deleted = graph.Deleted;
        index.upperLinks = graph.UpperLinks;
        index.nodeCount = graph.NodeCount;
        index.entryPoint = graph.EntryPoint;
        index.maxLevel = graph.MaxLevel;

        // Level draws continue from a seed that depends on the size, so a reloaded index grows reproducibly.
        index.random = new Random(HashCode.Combine(graph.Options.Seed, graph.NodeCount));
        for (int slot = 0; slot < graph.NodeCount; slot++)
        {
            if (graph.Deleted[slot])
            {
                index.freeSlots.Push(slot);
            }
            else if (!index.slotOf.TryAdd(graph.Keys[slot], slot))
            {
                throw new VectorFormatException($"The index file lists key {graph.Keys[slot]} twice.");
            }
        }

        return index;
    }

    private VectorMatch[] SearchLocked(ReadOnlySpan<float> query, int k, int ef, Func<long, bool>? filter, HnswScratch scratch)
    {
        if (entryPoint < 0)
        {
            return [];
        }

        int entry = GreedyDescent(query, entryPoint, maxLevel, 0, exclude: -1);
        SearchLayer(query, entry, ef, 0, filter, exclude: -1, scratch);
        var results = scratch.Results;
        if (results.Count < k && results.Count < slotOf.Count)
        {
            // The walk did not reach enough acceptable nodes (a selective filter, or a region cut off by
            // deletes): finish with a scan of the nodes it never saw, so k acceptable ones are not missed.
            ScanUnvisited(query, k, filter, scratch);
        }

        scratch.EnsureSelectionCapacity(k);
        int found = results.DrainClosest(k, scratch.SelectDistances, scratch.SelectNodes);
        var matches = new VectorMatch[found];
        float offset = Metric == VectorMetric.Cosine ? 1f : 0f;
        for (int i = 0; i < found; i++)
        {
            matches[i] = new VectorMatch(keys[scratch.SelectNodes[i]], scratch.SelectDistances[i] + offset);
        }

        return matches;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ScanUnvisited(ReadOnlySpan<float> query, int k, Func<long, bool>? filter, HnswScratch scratch)
    {
        var visited = scratch.Visited;
        var results = scratch.Results;
        for (int node = 0; node < nodeCount; node++)
        {
            if (visited.WasVisited(node) || !Accepts(node, filter))
            {
                continue;
            }

            float d = DistanceTo(query, node);
            if (results.Count < k)
            {
                results.Push(node, d);
            }
            else if (d < results.TopDistance)
            {
                results.ReplaceTop(node, d);
            }
        }
    }

    /// <summary>Greedy walk from <paramref name="fromLayer"/> down to (not into) <paramref name="toLayer"/>: on each layer, move to any closer neighbour until none is.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int GreedyDescent(ReadOnlySpan<float> query, int start, int fromLayer, int toLayer, int exclude)
    {
        int current = start;
        float currentDistance = DistanceTo(query, current);
        for (int layer = fromLayer; layer > toLayer; layer--)
        {
            bool moved = true;
            while (moved)
            {
                moved = false;
                var block = Links(current, layer);
                int n = block[0];
                for (int i = 1; i <= n; i++)
                {
                    int candidate = block[i];
                    if (candidate == exclude)
                    {
                        continue;
                    }

                    float d = DistanceTo(query, candidate);
                    if (d < currentDistance)
                    {
                        currentDistance = d;
                        current = candidate;
                        moved = true;
                    }
                }
            }
        }

        return current;
    }

    /// <summary>
    /// The paper's algorithm 2 on one layer, from one entry: leaves the (up to) <paramref name="ef"/>
    /// closest accepted nodes in <c>scratch.Results</c>. Rejected nodes are still expanded, and while
    /// fewer than ef are accepted the walk does not stop, so selective filters widen the search.
    /// </summary>
    private void SearchLayer(ReadOnlySpan<float> query, int entry, int ef, int layer, Func<long, bool>? filter, int exclude, HnswScratch scratch)
    {
        // One loop per metric: the kernel is a type argument, so the JIT inlines it with no test per call.
        if (kernelIsL2)
        {
            SearchLayer<L2Kernel>(query, entry, ef, layer, filter, exclude, scratch);
        }
        else
        {
            SearchLayer<NegatedDotKernel>(query, entry, ef, layer, filter, exclude, scratch);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void SearchLayer<TKernel>(ReadOnlySpan<float> query, int entry, int ef, int layer, Func<long, bool>? filter, int exclude, HnswScratch scratch)
        where TKernel : struct, IDistanceKernel
    {
        var visited = scratch.Visited;
        var candidates = scratch.Candidates;
        var results = scratch.Results;
        visited.Reset(nodeCount);
        candidates.Clear();
        results.Clear();
        if (exclude >= 0)
        {
            visited.TryVisit(exclude);
        }

        visited.TryVisit(entry);

        // Everything the loop reads per neighbour, in locals: fields would be reloaded after every store.
        int dimension = Dimension;
        float* vectorsAt = vectorBase;
        int* linksAt = linkBase;
        int stride0 = Layer0Stride;
        int upperStride = UpperStride;
        int rowLines = Math.Min(PrefetchLines, ((dimension * sizeof(float)) + 63) >> 6);
        ref ushort stamps = ref visited.Stamps;
        ushort generation = visited.Generation;
        ref bool isDeleted = ref MemoryMarshal.GetArrayDataReference(deleted);
        ref float q = ref MemoryMarshal.GetReference(query);

        float entryDistance = TKernel.Distance(ref q, ref *(vectorsAt + ((nint)entry * dimension)), dimension);

        // Both heaps run from local references and counts (written back at the end): through the objects,
        // every push reloaded their array, count and sign. Keys: the distance in the candidate min-heap,
        // the negated distance in the result heap (farthest on top). The result heap never holds more than
        // ef; the candidate heap gets room for a whole link block before each expansion, so no push grows.
        int maxLinks = Math.Max(stride0, upperStride) - 1;
        results.EnsureCapacity(ef);
        candidates.EnsureCapacity(1 + maxLinks);
        ref DistanceHeap.Entry found = ref results.Items;
        ref DistanceHeap.Entry queue = ref candidates.Items;
        int foundCount = 0;
        int queueCount = 1;
        queue = new DistanceHeap.Entry(entryDistance, entry);
        if (Accepts(entry, filter))
        {
            found = new DistanceHeap.Entry(-entryDistance, entry);
            foundCount = 1;
        }

        // Unvisited neighbours of the node being expanded: collected first (their vectors prefetched as
        // they are found), then measured, each while the next one's vector is on its way from memory.
        int* pending = stackalloc int[maxLinks + 1];

        // Upper-layer link arrays are ordinary, movable ones: their blocks are copied here, not pointed at.
        int* upperCopy = stackalloc int[upperStride];
        while (queueCount > 0)
        {
            int current = queue.Node;

            // Stop when the closest unexpanded node is farther than the farthest of a full result set.
            if (foundCount >= ef && queue.Key > -found.Key)
            {
                break;
            }

            queueCount--;
            if (queueCount > 0)
            {
                DistanceHeap.Reinsert(ref queue, queueCount, Unsafe.Add(ref queue, queueCount));
            }

            int* block = linksAt + ((nint)current * stride0);
            if (layer > 0)
            {
                Links(current, layer).CopyTo(new Span<int>(upperCopy, upperStride));
                block = upperCopy;
            }

            int n = block[0];
            int count = 0;
            for (int i = 1; i <= n; i++)
            {
                int neighbour = block[i];
                ref ushort stamp = ref Unsafe.Add(ref stamps, (nint)(uint)neighbour);
                if (stamp != generation)
                {
                    stamp = generation;
                    Prefetch(vectorsAt + ((nint)neighbour * dimension));
                    pending[count++] = neighbour;
                }
            }

            if (queueCount + count > candidates.Capacity)
            {
                candidates.EnsureCapacity(queueCount + count);
                queue = ref candidates.Items;
            }

            for (int i = 0; i < count; i++)
            {
                if (i + 1 < count && Sse.IsSupported)
                {
                    byte* row = (byte*)(vectorsAt + ((nint)pending[i + 1] * dimension));
                    for (int line = 0; line < rowLines; line++)
                    {
                        Sse.Prefetch0(row + (line << 6));
                    }
                }

                int neighbour = pending[i];
                float d = TKernel.Distance(ref q, ref *(vectorsAt + ((nint)neighbour * dimension)), dimension);
                if (foundCount < ef || d < -found.Key)
                {
                    DistanceHeap.SiftUp(ref queue, queueCount++, new DistanceHeap.Entry(d, neighbour));
                    Prefetch(linksAt + ((nint)queue.Node * stride0));
                    if (!Unsafe.Add(ref isDeleted, (nint)(uint)neighbour) && (filter is null || filter(keys[neighbour])))
                    {
                        // Full: the new entry displaces the farthest in one pass, not a push and a pop.
                        var item = new DistanceHeap.Entry(-d, neighbour);
                        if (foundCount < ef)
                        {
                            DistanceHeap.SiftUp(ref found, foundCount++, item);
                        }
                        else
                        {
                            DistanceHeap.Reinsert(ref found, foundCount, item);
                        }
                    }
                }
            }
        }

        candidates.SetCount(queueCount);
        results.SetCount(foundCount);
    }

    /// <summary>Inserts node <paramref name="slot"/> (vector stored, links empty) into every layer up to its level.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Link(int slot, HnswScratch scratch)
    {
        int level = levels[slot];
        ClearLinks(slot);
        if (entryPoint < 0)
        {
            entryPoint = slot;
            maxLevel = level;
            return;
        }

        ReadOnlySpan<float> vector = VectorOf(slot);
        int entry = GreedyDescent(vector, entryPoint, maxLevel, level, exclude: slot);
        for (int layer = Math.Min(level, maxLevel); layer >= 0; layer--)
        {
            SearchLayer(vector, entry, Options.EfConstruction, layer, filter: null, exclude: slot, scratch);
            int found = SortResults(scratch);
            if (found == 0)
            {
                continue; // only deleted nodes around: nothing to link to on this layer
            }

            entry = scratch.SelectNodes[0];
            int chosen = SelectNeighbours(scratch, found, M);
            var block = Links(slot, layer);
            block[0] = chosen;
            scratch.Chosen.AsSpan(0, chosen).CopyTo(block[1..]);
            for (int i = 0; i < chosen; i++)
            {
                AddLink(block[1 + i], slot, layer, scratch);
            }
        }

        if (level > maxLevel)
        {
            entryPoint = slot;
            maxLevel = level;
        }
    }

    /// <summary>Links <paramref name="from"/> to <paramref name="to"/>; if that overflows, keeps the heuristic's choice among old links and the new one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AddLink(int from, int to, int layer, HnswScratch scratch)
    {
        var block = Links(from, layer);
        int n = block[0];
        int capacity = block.Length - 1;
        if (block[1..(n + 1)].Contains(to))
        {
            return;
        }

        if (n < capacity)
        {
            block[n + 1] = to;
            block[0] = n + 1;
            return;
        }

        scratch.EnsureSelectionCapacity(n + 1);
        var copy = scratch.LinkCopy.AsSpan(0, n + 1);
        block.Slice(1, n).CopyTo(copy);
        copy[n] = to;
        ReselectLinks(from, layer, copy, scratch);
    }

    /// <summary>Rewrites a node's links on one layer as the heuristic's choice among <paramref name="candidates"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ReselectLinks(int node, int layer, ReadOnlySpan<int> candidates, HnswScratch scratch)
    {
        scratch.EnsureSelectionCapacity(candidates.Length);
        var nodes = scratch.SelectNodes.AsSpan(0, candidates.Length);
        var distances = scratch.SelectDistances.AsSpan(0, candidates.Length);
        var vector = VectorOf(node);
        for (int i = 0; i < candidates.Length; i++)
        {
            Prefetch(VectorPointer(candidates[i]));
        }

        for (int i = 0; i < candidates.Length; i++)
        {
            nodes[i] = candidates[i];
            distances[i] = DistanceTo(vector, candidates[i]);
        }

        distances.Sort(nodes);
        var block = Links(node, layer);
        int chosen = SelectNeighbours(scratch, candidates.Length, block.Length - 1);
        block[0] = chosen;
        scratch.Chosen.AsSpan(0, chosen).CopyTo(block[1..]);
    }

    /// <summary>
    /// The paper's algorithm 4 over <c>scratch.SelectNodes</c> (sorted closest first): keep a candidate
    /// only if it is closer to the base than to every candidate already kept, which spreads links over
    /// directions instead of spending them all on one dense cluster. Leaves the result in <c>scratch.Chosen</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int SelectNeighbours(HnswScratch scratch, int count, int max)
    {
        var nodes = scratch.SelectNodes;
        var distances = scratch.SelectDistances;
        var chosen = scratch.Chosen;
        var pruned = scratch.Pruned;
        int kept = 0;
        int prunedCount = 0;
        for (int i = 0; i < count && kept < max; i++)
        {
            int candidate = nodes[i];
            var candidateVector = VectorOf(candidate);
            bool good = true;
            for (int j = 0; j < kept; j++)
            {
                if (DistanceTo(candidateVector, chosen[j]) < distances[i])
                {
                    good = false;
                    break;
                }
            }

            if (good)
            {
                chosen[kept++] = candidate;
            }
            else
            {
                pruned[prunedCount++] = candidate;
            }
        }

        if (Options.KeepPrunedConnections)
        {
            for (int i = 0; i < prunedCount && kept < max; i++)
            {
                chosen[kept++] = pruned[i];
            }
        }

        return kept;
    }

    /// <summary>Moves <c>scratch.Results</c> into <c>scratch.SelectNodes/SelectDistances</c>, closest first.</summary>
    private static int SortResults(HnswScratch scratch)
    {
        var results = scratch.Results;
        int count = results.Count;
        scratch.EnsureSelectionCapacity(count);
        for (int i = count - 1; i >= 0; i--)
        {
            scratch.SelectNodes[i] = results.TopNode;
            scratch.SelectDistances[i] = results.TopDistance;
            results.Pop();
        }

        return count;
    }

    /// <summary>
    /// Takes a node (already marked deleted) out of the graph: every neighbour that links to it drops the
    /// link and re-selects, with the heuristic, from its other links plus the node's neighbours.
    /// </summary>
    private void Unlink(int slot, HnswScratch scratch)
    {
        for (int layer = 0; layer <= levels[slot]; layer++)
        {
            var own = Links(slot, layer);
            int ownCount = own[0];
            for (int i = 1; i <= ownCount; i++)
            {
                int neighbour = own[i];
                if (deleted[neighbour])
                {
                    continue;
                }

                var theirs = Links(neighbour, layer);
                int theirCount = theirs[0];
                int at = theirs.Slice(1, theirCount).IndexOf(slot);
                if (at < 0)
                {
                    continue;
                }

                // Candidates: their remaining links, then our other neighbours, without duplicates.
                scratch.EnsureSelectionCapacity(theirCount + ownCount);
                var pool = scratch.LinkCopy;
                int size = 0;
                for (int j = 1; j <= theirCount; j++)
                {
                    if (theirs[j] != slot)
                    {
                        pool[size++] = theirs[j];
                    }
                }

                for (int j = 1; j <= ownCount; j++)
                {
                    int other = own[j];
                    if (other != neighbour && !deleted[other] && !pool.AsSpan(0, size).Contains(other))
                    {
                        pool[size++] = other;
                    }
                }

                ReselectLinks(neighbour, layer, pool.AsSpan(0, size), scratch);
            }
        }

        if (slot == entryPoint)
        {
            ChooseNewEntryPoint(slot);
        }
    }

    /// <summary>After the entry point is deleted: the live node with the highest level (a linear scan; deletes of the entry point are rare).</summary>
    private void ChooseNewEntryPoint(int leaving)
    {
        entryPoint = -1;
        maxLevel = -1;
        for (int node = 0; node < nodeCount; node++)
        {
            if (node != leaving && !deleted[node] && levels[node] > maxLevel)
            {
                entryPoint = node;
                maxLevel = levels[node];
            }
        }
    }

    private void ClearLinks(int slot)
    {
        links0[slot * Layer0Stride] = 0;
        if (upperLinks[slot] is { } upper)
        {
            for (int i = 0; i < upper.Length; i += UpperStride)
            {
                upper[i] = 0;
            }
        }
    }

    private void StoreVector(int slot, ReadOnlySpan<float> vector)
    {
        var target = vectors.AsSpan(vectorOffset + (slot * Dimension), Dimension);
        vector.CopyTo(target);
        if (Metric == VectorMetric.Cosine)
        {
            VectorDistance.Normalize(target);
        }
    }

    private int RandomLevel()
    {
        // floor(-ln(U) * mL), U uniform in (0, 1]: the exponentially decaying layer distribution.
        double level = -Math.Log(1 - random.NextDouble()) * levelMultiplier;
        return (int)Math.Min(level, MaxLevelCap);
    }

    private void EnsureCapacity(int needed)
    {
        if (needed <= keys.Length)
        {
            return;
        }

        int capacity = Math.Min(ArrayGrowth.Next(keys.Length, needed, Dimension, spare: 16), ArrayGrowth.Next(keys.Length, needed, Layer0Stride));
        AllocateStorage(capacity, vectors.AsSpan(vectorOffset, nodeCount * Dimension), links0.AsSpan(0, nodeCount * Layer0Stride));
        Array.Resize(ref keys, capacity);
        Array.Resize(ref levels, capacity);
        Array.Resize(ref deleted, capacity);
        Array.Resize(ref upperLinks, capacity);
    }

    /// <summary>
    /// New pinned vector and layer-0 arrays for <paramref name="capacity"/> nodes, holding a copy of
    /// <paramref name="oldVectors"/> and <paramref name="oldLinks"/>. The pinned object heap never moves
    /// them, so the raw pointers stay valid for the arrays' lifetime; the vector rows start on a 64-byte
    /// boundary (16 spare floats give room to shift), so a row of a multiple of 16 floats never
    /// straddles more cache lines than it fills.
    /// </summary>
    private void AllocateStorage(int capacity, ReadOnlySpan<float> oldVectors, ReadOnlySpan<int> oldLinks)
    {
        var newVectors = GC.AllocateUninitializedArray<float>((capacity * Dimension) + 16, pinned: true);
        float* start = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(newVectors));
        int offset = (int)((64 - ((nuint)start & 63)) & 63) / sizeof(float);
        oldVectors.CopyTo(newVectors.AsSpan(offset));
        var newLinks = GC.AllocateArray<int>(capacity * Layer0Stride, pinned: true);
        oldLinks.CopyTo(newLinks);
        vectors = newVectors;
        vectorOffset = offset;
        vectorBase = start + offset;
        links0 = newLinks;
        linkBase = (int*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(newLinks));
    }

    private bool Accepts(int node, Func<long, bool>? filter) => !deleted[node] && (filter is null || filter(keys[node]));

    private Span<int> Links(int node, int layer) => layer == 0
        ? links0.AsSpan(node * Layer0Stride, Layer0Stride)
        : upperLinks[node].AsSpan((layer - 1) * UpperStride, UpperStride);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReadOnlySpan<float> VectorOf(int node) => new(VectorPointer(node), Dimension);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float* VectorPointer(int node) => vectorBase + ((nint)node * Dimension);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float DistanceTo(ReadOnlySpan<float> query, int node) => Distance(ref MemoryMarshal.GetReference(query), node);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float Distance(ref float query, int node) => kernelIsL2
        ? VectorDistance.SquaredL2(ref query, ref *VectorPointer(node), Dimension)
        : VectorDistance.NegatedDot(ref query, ref *VectorPointer(node), Dimension);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch(void* address)
    {
        // x86 only: .NET exposes no portable prefetch; elsewhere the hardware prefetcher is all there is.
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(address);
        }
    }

    /// <summary>A distance kernel as a type: generic code over a struct kernel gets it inlined.</summary>
    private interface IDistanceKernel
    {
        static abstract float Distance(ref float a, ref float b, int length);
    }

    private readonly struct L2Kernel : IDistanceKernel
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Distance(ref float a, ref float b, int length) => VectorDistance.SquaredL2(ref a, ref b, length);
    }

    /// <summary>Inner product as a distance (smaller is closer), for ip and normalised cosine.</summary>
    private readonly struct NegatedDotKernel : IDistanceKernel
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Distance(ref float a, ref float b, int length) => VectorDistance.NegatedDot(ref a, ref b, length);
    }
}
