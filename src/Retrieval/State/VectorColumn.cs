using AgentMem.Common.IO;
using AgentMem.Retrieval.Spann;

namespace AgentMem.Retrieval.State;

/// <summary>
/// A cube's embeddings by slot, in one of two tiers. <b>Exact</b>: L2-normalised rows in memory (in fixed-size blocks,
/// so growth never copies or churns the large-object heap), every row scored. <b>SPANN</b>: past the threshold, a SPANN
/// index (posting lists on disk, codes in memory) built once in the background from a copy of the rows, then kept in
/// step insert by insert and delete by delete (writes made during the build are replayed onto it before it takes
/// over); once it serves, the rows are dropped. The index lives in the cube's folder under the state's index directory
/// with the change-feed sequence of its last checkpoint, so a new process reopens it and replays only the feed after
/// that sequence.
/// </summary>
/// <remarks>
/// The hashing embedder's vectors are not IDF-weighted per cube: unweighted vectors rank LoCoMo exactly as well
/// (R@10 0.769 both ways, measured in one run), and they never change as the corpus grows, so they are stored once.
/// </remarks>
internal sealed class VectorColumn : IDisposable
{
    private const int BlockRows = 256;

    /// <summary>The lock file of the process that owns the folder (the SPANN index in it holds its own, <see cref="SpannIndex.LockFile"/>, while open).</summary>
    private const string LockFile = "owner.lock";

    /// <summary>The name of a private folder under the temp path, before its GUID.</summary>
    private const string TemporaryPrefix = "agentmem-ann-";
    private readonly int? annThreshold;
    private readonly string annFolder;
    private readonly bool temporaryFolder;

    // The persisted folder's lock, taken at construction; a private folder's, taken when its SPANN build starts (the build
    // task sets it, and Dispose reads it only after waiting for that task).
    private FileStream? folderLock;
    private readonly List<float[]> blocks = [];
    private readonly Dictionary<long, int> slotOfKey = [];
    private bool[] present = [];
    private long[] keyOf = [];
    private SpannIndex? ann;
    private Task<SpannIndex>? building;
    private List<(long Key, float[]? Vector)>? pendingDuringBuild;

    // SPANN updates not applied yet, in order (null vector: delete). Applied on a pool thread while the caller goes on
    // (the search after a write scores its lexical signals meanwhile), and by any reader of the index first.
    private readonly Queue<(long Key, float[]? Vector)> annQueue = new();
    private readonly Lock annQueueLock = new();
    private readonly Lock annApplyGate = new();
    private bool annDraining;
    private Exception? annFailure;

    /// <summary>
    /// Creates an empty column. With <paramref name="annThreshold"/>, a cube with more vectors answers through SPANN,
    /// kept in <paramref name="annFolder"/> (a temporary folder, deleted on dispose, when null).
    /// </summary>
    public VectorColumn(int? annThreshold = null, string? annFolder = null)
    {
        this.annThreshold = annThreshold;
        if (annFolder is not null && TryLock(annFolder) is { } held)
        {
            folderLock = held;
            this.annFolder = annFolder;
        }
        else
        {
            // No folder, or another process owns it (one writer per index): this process keeps a private index, in a
            // folder made (and locked) only when a build needs it.
            temporaryFolder = true;
            this.annFolder = Path.Combine(Path.GetTempPath(), TemporaryPrefix + Guid.NewGuid().ToString("N"));
        }
    }

    /// <summary>Whether this column owns the persisted folder it was given (false: none given, or another process holds it).</summary>
    public bool OwnsFolder => !temporaryFolder;

    /// <summary>Vector length, 0 until the first vector arrives.</summary>
    public int Dimension { get; private set; }

    /// <summary>Slots holding a vector.</summary>
    public int Count { get; private set; }

    /// <summary>Whether the column answers through its SPANN index.</summary>
    public bool UsesAnn => ann is not null;

    /// <summary>Whether a SPANN build is running in the background.</summary>
    public bool Building => building is { IsCompleted: false };

    /// <summary>Why the last SPANN build failed (the column then serves exactly and builds no more), or null.</summary>
    public Exception? BuildFailure { get; private set; }

    /// <summary>SPANN builds this column started (0 when it reopened a persisted index).</summary>
    public int AnnBuilds { get; private set; }

    /// <summary>
    /// Whether the column is past its threshold with no SPANN index serving, being built or failed: the next
    /// <see cref="Advance"/> that may start a build starts one.
    /// </summary>
    public bool BuildDue => ann is null && building is null && BuildFailure is null && annThreshold is { } threshold && Count > threshold;

    /// <summary>Whether a SPANN build has finished and waits for <see cref="Advance"/> to take it over.</summary>
    public bool BuildFinished => building is { IsCompleted: true };

    /// <summary>For tests: what each background SPANN build waits for before it starts (null: nothing).</summary>
    public Task? BuildGate { get; set; }

    /// <summary>The folder of the SPANN index.</summary>
    public string AnnFolder => annFolder;

    public long EstimatedBytes => (blocks.Sum(b => (long)b.Length) * 4) + (present.Length * 9L) + (slotOfKey.Count * 24L) + (ann?.MemoryBytes ?? 0);

    public bool Has(int slot) => slot < present.Length && present[slot];

    /// <summary>Whether the slot's row is in memory (exact tier, or while SPANN is being built).</summary>
    public bool HasRow(int slot) => Has(slot) && ann is null;

    public ReadOnlySpan<float> Row(int slot) => blocks[slot / BlockRows].AsSpan((slot % BlockRows) * Dimension, Dimension);

    /// <summary>Stores <paramref name="vector"/> (normalised here) for <paramref name="slot"/> under the memory's <paramref name="key"/>.</summary>
    public void Set(int slot, long key, ReadOnlySpan<float> vector)
    {
        if (Dimension == 0)
        {
            Dimension = vector.Length;
        }
        else if (vector.Length != Dimension)
        {
            throw new VectorFormatException($"The cube's vectors have {Dimension} dimensions; this one has {vector.Length}. Was the embedder changed without re-embedding?");
        }

        Remove(slot);
        Ensure(slot);
        var normalized = Normalize(vector);
        if (slotOfKey.TryGetValue(key, out int other) && other != slot)
        {
            throw new VectorFormatException($"Two memories of the cube map to vector key {key}; run 'agentmem index rebuild'.");
        }

        present[slot] = true;
        keyOf[slot] = key;
        slotOfKey[key] = slot;
        Count++;
        if (ann is not null)
        {
            EnqueueAnn(key, normalized);
            return;
        }

        normalized.CopyTo(RowSpan(slot));
        pendingDuringBuild?.Add((key, normalized));
    }

    /// <summary>Room for slots below <paramref name="slots"/> and <paramref name="keys"/> keys, before marking a restored index's vectors.</summary>
    public void Reserve(int slots, int keys)
    {
        if (slots > 0 && ann is not null)
        {
            Ensure(slots - 1);
        }

        slotOfKey.EnsureCapacity(keys);
    }

    /// <summary>
    /// Marks a slot as holding the vector the reopened SPANN index has for <paramref name="key"/> (no row in memory);
    /// false, and nothing marked, when the index has none (a memory still waiting for its embedding at the checkpoint).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool MarkIndexed(int slot, long key)
    {
        if (ann is null || !ann.Contains(key))
        {
            return false;
        }

        Ensure(slot);
        if (!present[slot])
        {
            present[slot] = true;
            keyOf[slot] = key;
            slotOfKey[key] = slot;
            Count++;
        }

        return true;
    }

    public void Remove(int slot)
    {
        if (!Has(slot))
        {
            return;
        }

        long key = keyOf[slot];
        if (ann is null)
        {
            RowSpan(slot).Clear();
        }

        present[slot] = false;
        slotOfKey.Remove(key);
        Count--;
        if (ann is not null)
        {
            EnqueueAnn(key, null);
        }

        pendingDuringBuild?.Add((key, null));
    }

    /// <summary>Removes a key that no slot holds any more (a memory purged while the index was closed).</summary>
    public void RemoveKey(long key)
    {
        // A key a slot holds is another memory's (the keys are hashes): its vector stays.
        if (ann is not null && !slotOfKey.ContainsKey(key))
        {
            EnqueueAnn(key, null);
        }
    }

    /// <summary>Applies every queued SPANN update now (on this thread, or by waiting for the pool thread's current one).</summary>
    public void FlushAnn()
    {
        lock (annApplyGate)
        {
            while (TryPeekAnn(out var op))
            {
                ApplyAnn(op);
            }
        }

        if (annFailure is { } failure)
        {
            throw new InvalidOperationException($"An update of the cube's SPANN index failed: {failure.Message}", failure);
        }
    }

    /// <summary>The query, normalised, as scored against this column.</summary>
    public static float[] PrepareQuery(ReadOnlySpan<float> raw) => Normalize(raw);

    /// <summary>Writes each present slot's similarity to <paramref name="query"/> (prepared) when at least <paramref name="minSimilarity"/>.</summary>
    public void ScoreExact(ReadOnlySpan<float> query, Span<float> scores, float minSimilarity)
    {
        if (query.Length != Dimension || ann is not null)
        {
            return;
        }

        int slots = Math.Min(present.Length, scores.Length);
        for (int s = 0; s < slots; s++)
        {
            if (present[s])
            {
                float sim = TensorPrimitives.Dot(query, Row(s));
                scores[s] = sim >= minSimilarity ? sim : 0;
            }
        }
    }

    /// <summary>
    /// The <paramref name="k"/> nearest slots to the prepared query through SPANN, with their (exact) similarities; with
    /// <paramref name="allowed"/>, the nearest among the slots it accepts. The index probes its usual number of postings
    /// first; when those hold fewer than k accepted slots (a narrow filter whose memories lie away from the query, or
    /// deletes that emptied the postings near it), it probes every posting, a full scan, rather than answer with fewer.
    /// </summary>
    public List<(int Slot, float Similarity)> SearchAnn(ReadOnlySpan<float> query, int k, Func<int, bool>? allowed = null)
    {
        FlushAnn();
        int wanted = Math.Max(1, Math.Min(k, Count));
        Func<long, bool>? filter = allowed is null ? null : key => slotOfKey.TryGetValue(key, out int slot) && allowed(slot);
        var matches = ann!.Search(query, wanted, filter); // too few in the nearest heads probes them all

        var result = new List<(int, float)>(matches.Count);
        foreach (var m in matches)
        {
            if (slotOfKey.TryGetValue(m.Key, out int slot))
            {
                result.Add((slot, -m.Distance)); // inner-product distance is −dot
            }
        }

        return result;
    }

    /// <summary>
    /// Advances the tier: starts the background SPANN build once past the threshold (unless <paramref name="startBuild"/> is
    /// false), and when a build has finished, replays the writes made meanwhile onto it, makes it serve and drops the rows.
    /// Called by the owner under its lock.
    /// </summary>
    public void Advance(bool startBuild = true)
    {
        if (building is { IsCompleted: true } done)
        {
            building = null;
            var pending = pendingDuringBuild!;
            pendingDuringBuild = null;
            SpannIndex? index = null;
            try
            {
                index = done.GetAwaiter().GetResult();
                foreach (var (key, vector) in pending)
                {
                    if (vector is null)
                    {
                        index.Remove(key);
                    }
                    else
                    {
                        index.Add(key, vector);
                    }
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The rows are still here: the exact tier keeps serving, and the search that noticed is not failed. No
                // new build in this column's life (a full disk or a folder it cannot write would fail every one, each a
                // pass over every vector); verify reports the failure, and a reopen or rebuild tries again.
                index?.Dispose();
                BuildFailure = ex;
                return;
            }

            ann = index;
            blocks.Clear();
            return;
        }

        if (!startBuild || !BuildDue)
        {
            return;
        }

        var keys = new List<long>(Count);
        var data = new float[(long)Count * Dimension];
        for (int s = 0; s < present.Length; s++)
        {
            if (present[s])
            {
                Row(s).CopyTo(data.AsSpan(keys.Count * Dimension));
                keys.Add(keyOf[s]);
            }
        }

        int dimension = Dimension;
        string folder = annFolder;
        pendingDuringBuild = [];
        AnnBuilds++;
        var gate = BuildGate ?? Task.CompletedTask;
        building = Task.Run(async () =>
        {
            await gate.ConfigureAwait(false);
            if (temporaryFolder && folderLock is null)
            {
                TakeTemporaryFolder();
            }

            return SpannIndex.Build(folder, VectorMetric.InnerProduct, new VectorRows<float>(dimension, keys.Count, data), keys, new SpannOptions { VerifyPostingsOnOpen = false });
        });
    }

    /// <summary>Every key the SPANN index holds a current entry for (reads every posting: verification only).</summary>
    public HashSet<long> IndexedKeys()
    {
        FlushAnn();
        return ann?.KeysInPostings() ?? [];
    }

    /// <summary>Waits for a background build to finish (it is applied by the next <see cref="Advance"/>).</summary>
    public Task WaitForBuildAsync() => building ?? Task.CompletedTask;

    /// <summary>Writes the SPANN index's checkpoint (its write-ahead log already holds every update since the last one).</summary>
    public void Checkpoint()
    {
        FlushAnn();
        ann?.Checkpoint();
    }

    /// <summary>Reopens a persisted SPANN index; false (and nothing changed) when there is none or it cannot be read.</summary>
    public bool TryOpen(int dimension)
    {
        if (temporaryFolder || !File.Exists(Path.Combine(annFolder, SpannMeta.FileName)))
        {
            return false;
        }

        try
        {
            ann = SpannIndex.Open(annFolder!, new SpannOptions { VerifyPostingsOnOpen = false }, dimension);
            Dimension = dimension;
            return true;
        }
        catch (VectorFormatException)
        {
            return false;
        }
    }

    /// <inheritdoc/>
    /// <exception cref="IOException">The SPANN index's final checkpoint failed (it is closed, and its log keeps its updates); the folder is released all the same.</exception>
    public void Dispose()
    {
        try
        {
            DisposeIndex();
        }
        finally
        {
            folderLock?.Dispose(); // else a failed final checkpoint kept the folder from every later owner
        }
    }

    private static FileStream? TryLock(string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (IOException)
        {
            return null;
        }

        return FolderLock.TryTake(folder, LockFile);
    }

    /// <summary>Makes this column's private folder and takes its lock, after sweeping the private folders of dead processes.</summary>
    /// <exception cref="IOException">The folder cannot be made or its lock taken (the build fails, and the column serves exactly).</exception>
    private void TakeTemporaryFolder()
    {
        // A column's folder holds a cube's vectors: one its dead process left would stay for good.
        AbandonedFolders.Sweep(TemporaryPrefix, LockFile);
        Directory.CreateDirectory(annFolder);
        folderLock = FolderLock.Take(annFolder, LockFile);
    }

    private void DisposeIndex()
    {
        if (ann is not null)
        {
            try
            {
                FlushAnn(); // what was queued reaches the index (and its log) before it closes
            }
            catch (InvalidOperationException)
            {
                // A failed update already failed every search since; the index is rebuilt from the store's feed next time.
            }
        }

        if (building is not null)
        {
            try
            {
                building.GetAwaiter().GetResult().Dispose();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A failed build leaves nothing to dispose; disposing must not fail for it.
            }
        }

        var closing = ann;
        ann = null;
        try
        {
            closing?.Dispose();
        }
        finally
        {
            if (temporaryFolder)
            {
                // Released first (Windows deletes no file held open); a sweeper that finds the folder meanwhile deletes it too.
                folderLock?.Dispose();
                try
                {
                    Directory.Delete(annFolder, recursive: true);
                }
                catch (IOException)
                {
                    // A leftover temporary folder is harmless.
                }
                catch (UnauthorizedAccessException)
                {
                }
            }
        }
    }

    private static float[] Normalize(ReadOnlySpan<float> raw)
    {
        var v = raw.ToArray();
        float norm = TensorPrimitives.Norm(v);
        if (norm > 0)
        {
            TensorPrimitives.Divide(v, norm, v);
        }

        return v;
    }

    private void EnqueueAnn(long key, float[]? vector)
    {
        bool start = false;
        int queued;
        lock (annQueueLock)
        {
            annQueue.Enqueue((key, vector));
            queued = annQueue.Count;
            if (!annDraining)
            {
                annDraining = start = true;
            }
        }

        if (start)
        {
            _ = Task.Run(DrainAnn);
        }

        if (queued > 1_024)
        {
            FlushAnn(); // a bulk catch-up: keep the queue (and its vectors in memory) bounded
        }
    }

    private void DrainAnn()
    {
        while (true)
        {
            lock (annApplyGate)
            {
                if (!TryPeekAnn(out var op))
                {
                    lock (annQueueLock)
                    {
                        if (annQueue.Count == 0)
                        {
                            annDraining = false;
                            return;
                        }
                    }

                    continue;
                }

                ApplyAnn(op);
            }
        }
    }

    private bool TryPeekAnn(out (long Key, float[]? Vector) op)
    {
        lock (annQueueLock)
        {
            return annQueue.TryPeek(out op);
        }
    }

    /// <summary>Applies the queue's head and removes it (the caller holds the apply gate). A failure empties the queue and is kept for the next reader.</summary>
    private void ApplyAnn((long Key, float[]? Vector) op)
    {
        try
        {
            if (annFailure is null)
            {
                if (op.Vector is null)
                {
                    ann!.Remove(op.Key);
                }
                else
                {
                    ann!.Add(op.Key, op.Vector);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or VectorFormatException or ObjectDisposedException or UnauthorizedAccessException)
        {
            annFailure = ex;
        }

        lock (annQueueLock)
        {
            annQueue.Dequeue();
        }
    }

    private Span<float> RowSpan(int slot) => blocks[slot / BlockRows].AsSpan((slot % BlockRows) * Dimension, Dimension);

    private void Ensure(int slot)
    {
        if (slot >= present.Length)
        {
            int size = Math.Max(slot + 1, Math.Max(64, present.Length * 2));
            Array.Resize(ref present, size);
            Array.Resize(ref keyOf, size);
        }

        if (ann is not null)
        {
            return;
        }

        // The first block doubles from 16 rows (small cubes stay small); later blocks are fixed, so growth never copies much.
        if (slot < BlockRows)
        {
            if (blocks.Count == 0)
            {
                blocks.Add(new float[Math.Max(16, (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)slot + 1)) * Dimension]);
            }
            else if (blocks[0].Length < (slot + 1) * Dimension)
            {
                var grown = new float[Math.Min(BlockRows, (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)slot + 1)) * Dimension];
                blocks[0].CopyTo(grown, 0);
                blocks[0] = grown;
            }

            return;
        }

        if (blocks.Count == 0)
        {
            blocks.Add(new float[BlockRows * Dimension]);
        }
        else if (blocks[0].Length < BlockRows * Dimension)
        {
            var full = new float[BlockRows * Dimension];
            blocks[0].CopyTo(full, 0);
            blocks[0] = full;
        }

        while (blocks.Count <= slot / BlockRows)
        {
            blocks.Add(new float[BlockRows * Dimension]);
        }
    }
}
