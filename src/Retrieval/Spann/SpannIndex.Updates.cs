namespace AgentMem.Retrieval.Spann;

/// <summary>SPFresh-style updates, posting maintenance and checkpoints of <see cref="SpannIndex"/>.</summary>
/// <remarks>
/// <para>Every update is appended to the write-ahead log and flushed before it is applied, and between
/// checkpoints the postings file only grows (appends go past the checkpointed entry counts, moved or
/// split postings get new extents at the end). The last checkpoint therefore stays intact on disk, and
/// reopening after a crash replays the log on top of it.</para>
/// <para>Inserts run the closure assignment against the current heads and append to each chosen
/// posting (moving it to a larger extent when its pages are full). Deletes only change the key's
/// version label; postings drop stale entries when they are next rewritten, and a compaction drops them
/// all. A deleted key's label is kept while a posting may hold its entries, then forgotten (see
/// <see cref="ForgetDeletedKeys"/>). A posting with more entries
/// than <see cref="SpannOptions.SplitThreshold"/> is rewritten without its stale entries and, if still
/// too big, split by 2-means into two new postings; then LIRE reassigns only the boundary vectors —
/// those of the split posting now closer to another head than to their new one, and those of nearby
/// postings now closer to a new head than to their own. A posting found with fewer than
/// <see cref="SpannOptions.MergeThreshold"/> live entries (by a search or a rewrite) is dissolved and its
/// vectors reinserted. Splits and merges run inline, under the writer lock.</para>
/// </remarks>
public sealed partial class SpannIndex
{
    private bool postingsDirty;

    /// <inheritdoc/>
    public void Add(long key, ReadOnlySpan<float> vector)
    {
        VectorDistance.Validate(vector, Dimension);
        var v = vector.ToArray();
        if (Metric == VectorMetric.Cosine)
        {
            VectorDistance.Normalize(v);
        }

        using (gate.Write())
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            wal.Append(++walSequence, SpannWal.Operation.Insert, key, v);
            ApplyInsert(key, v);
            ProcessMerges();
        }
    }

    /// <inheritdoc/>
    public bool Remove(long key)
    {
        using (gate.Write())
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (!versions.TryGetValue(key, out int version) || version <= 0)
            {
                return false;
            }

            wal.Append(++walSequence, SpannWal.Operation.Delete, key, default);
            ApplyDelete(key);
            ProcessMerges();
            return true;
        }
    }

    /// <summary>
    /// Makes the current state the on-disk checkpoint: postings flushed, new head file, new meta file
    /// (atomic rename), log emptied. Updates are durable without it (the log); it bounds replay time.
    /// </summary>
    public void Checkpoint()
    {
        using (gate.Write())
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            CheckpointLocked();
        }
    }

    /// <summary>
    /// Reads every posting, dissolves those with fewer than <see cref="SpannOptions.MergeThreshold"/>
    /// live entries and rewrites those that are mostly stale, then forgets the deleted keys that no posting
    /// holds an entry of any more; returns the number of postings merged.
    /// </summary>
    public int MergeSmallPostings()
    {
        using (gate.Write())
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            int merged = 0;
            var stillHeld = new HashSet<long>();
            var deletedHere = new HashSet<long>();
            for (int p = 0; p < postings.Length; p++)
            {
                if (!postings.IsAlive(p))
                {
                    continue;
                }

                deletedHere.Clear();
                var live = ReadLive(p, deletedHere);
                if (live.Count < Options.MergeThreshold && heads.Count > 1)
                {
                    Merge(p, live);
                    merged++;
                }
                else if (live.Count * 2 < postings.Count(p))
                {
                    Rewrite(p, live);
                }
                else
                {
                    // Kept as it is, stale entries and all. Postings visited later are read as they are then, and what a
                    // merge or split adds to one visited earlier is live: no deleted key's entry is missed.
                    stillHeld.UnionWith(deletedHere);
                }
            }

            ForgetDeletedKeys(stillHeld);
            return merged;
        }
    }

    /// <summary>Every key with a current-version entry in some live posting (tests: split and merge lose nothing).</summary>
    /// <summary>Whether <paramref name="key"/> has a live entry (inserted and not deleted since).</summary>
    public bool Contains(long key)
    {
        using (gate.Read())
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            return versions.TryGetValue(key, out int version) && version > 0;
        }
    }

    internal HashSet<long> KeysInPostings()
    {
        using (gate.Read())
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            var found = new HashSet<long>();
            for (int p = 0; p < postings.Length; p++)
            {
                if (postings.IsAlive(p))
                {
                    foreach (var e in ReadLive(p))
                    {
                        found.Add(e.Key);
                    }
                }
            }

            return found;
        }
    }

    /// <summary>Splits and merges done since open (tests and diagnostics).</summary>
    internal (int Splits, int Merges, int Reassigned) Maintenance => (splits, merges, reassigned);

    private readonly Queue<int> splitQueue = new();
    private readonly HashSet<int> queuedSplits = [];
    private readonly Dictionary<int, int> unsplittableUntil = [];
    private bool splitting;
    private int splits;
    private int merges;
    private int reassigned;

    private void Replay(List<SpannWal.Entry> replay)
    {
        foreach (var e in replay)
        {
            walSequence = e.Sequence;
            if (e.Operation == SpannWal.Operation.Insert)
            {
                ApplyInsert(e.Key, e.Vector!);
            }
            else if (versions.TryGetValue(e.Key, out int v) && v > 0)
            {
                ApplyDelete(e.Key);
            }
        }

        ProcessMerges();
    }

    private void ApplyInsert(long key, float[] v)
    {
        int old = versions.GetValueOrDefault(key);
        if (old <= 0)
        {
            liveCount++;
        }

        int version = Math.Abs(old) + 1;
        versions[key] = version;
        Place(key, version, v);
    }

    private void ApplyDelete(long key)
    {
        versions[key] = -Math.Abs(versions[key]);
        liveCount--;
        postingsDirty = true;
    }

    /// <summary>Closure-assigns one entry to the current heads and appends it; splits what overflows.</summary>
    private void Place(long key, int version, float[] v)
    {
        postingsDirty = true;
        if (heads.Count == 0)
        {
            NewPosting(v, [new LiveEntry(key, version, v)]);
            return;
        }

        var candidates = heads.SearchForInsert(v, Options.CandidateHeads, Options.CandidateHeads); // beam = candidates: closure picks a few of them
        Span<int> chosen = stackalloc int[Options.MaxReplicas];
        Span<float> distances = stackalloc float[Options.MaxReplicas];
        var scratch = new float[(Options.MaxReplicas + 1) * Dimension];
        int count = ClosureAssignment.Choose(candidates, heads.TryCopyVector, HeadDistance, Options, chosen, distances, scratch, Dimension);
        Span<byte> code = stackalloc byte[codes?.CodeSize ?? 0];
        codes?.Quantizer.Encode(v, code); // once for all replicas
        for (int i = 0; i < count; i++)
        {
            Append(chosen[i], key, version, v, code);
        }

        for (int i = 0; i < count; i++)
        {
            if (postings.IsAlive(chosen[i]) && postings.Count(chosen[i]) > SplitLimit(chosen[i]) && queuedSplits.Add(chosen[i]))
            {
                splitQueue.Enqueue(chosen[i]);
            }
        }

        if (!splitting)
        {
            DrainSplits();
        }
    }

    /// <summary>
    /// Splits queued overflowing postings, at most <see cref="SpannOptions.SplitsPerUpdate"/> per update. A split
    /// reassigns vectors, which can overflow neighbours in turn; those splits are queued, not run recursively, so one
    /// insert never cascades (near-duplicate vectors once made a single insert split for 44 s). What is left waits for
    /// the next update; an overflowing posting stays correct, only larger to read.
    /// </summary>
    private void DrainSplits()
    {
        splitting = true;
        try
        {
            for (int done = 0; done < Options.SplitsPerUpdate && splitQueue.TryDequeue(out int p); done++)
            {
                queuedSplits.Remove(p);
                if (postings.IsAlive(p) && postings.Count(p) > SplitLimit(p))
                {
                    Split(p);
                }
            }
        }
        finally
        {
            splitting = false;
        }
    }

    /// <summary>The entry count above which a posting is split: the threshold, or more for one that could not be separated.</summary>
    private int SplitLimit(int p) => unsplittableUntil.TryGetValue(p, out int limit) ? Math.Max(limit, Options.SplitThreshold) : Options.SplitThreshold;

    private void Append(int p, long key, int version, float[] v, ReadOnlySpan<byte> code)
    {
        int count = postings.Count(p);
        var entry = new byte[entrySize];
        PostingLayout.Write(entry, key, version, v);
        if ((long)(count + 1) * entrySize <= postings.CapacityBytes(p))
        {
            if (!postings.IsDirty(p) && !postings.IsVerified(p))
            {
                ReadPosting(p, new byte[count * entrySize]); // the checkpoint's fresh CRC will cover these entries too
            }

            file.Write(entry, postings.Offset(p) + ((long)count * entrySize));
            postings.SetCount(p, count + 1);
            codes?.Append(p, key, version, code);
            return;
        }

        // Full: move to an extent twice the size at the end (the old one stays intact for the checkpoint).
        int bytes = count * entrySize;
        long capacity = PostingLayout.ExtentBytes(Math.Max(count + 1, 2 * count), entrySize);
        var buffer = new byte[capacity];
        ReadPosting(p, buffer.AsSpan(0, bytes));
        entry.CopyTo(buffer.AsSpan(bytes));
        long offset = file.Allocate(capacity);
        file.Write(buffer, offset);
        garbageBytes += postings.CapacityBytes(p);
        postings.Move(p, offset, (int)capacity, count + 1);
        codes?.Append(p, key, version, code);
    }

    private readonly record struct LiveEntry(long Key, int Version, float[] Vector);

    /// <summary>
    /// The posting's entries that carry their key's current version, one per key; the deleted keys whose entries it holds
    /// are added to <paramref name="deleted"/>.
    /// </summary>
    private List<LiveEntry> ReadLive(int p, HashSet<long>? deleted = null)
    {
        int count = postings.Count(p);
        var buffer = new byte[count * entrySize];
        ReadPosting(p, buffer);
        var live = new List<LiveEntry>(count);
        var seen = new HashSet<long>();
        for (int i = 0; i < count; i++)
        {
            var entry = buffer.AsSpan(i * entrySize, entrySize);
            long key = PostingLayout.Key(entry);
            int version = PostingLayout.Version(entry);
            if (IsLive(key, version, seen))
            {
                live.Add(new LiveEntry(key, version, PostingLayout.Vector(entry, Dimension).ToArray()));
            }
            else if (deleted is not null && versions.GetValueOrDefault(key) <= 0)
            {
                deleted.Add(key);
            }
        }

        return live;
    }

    /// <summary>Whether an entry of <paramref name="key"/> at <paramref name="version"/> is live and the first of its key in <paramref name="seen"/> (one posting's keys).</summary>
    private bool IsLive(long key, int version, HashSet<long> seen) =>
        versions.TryGetValue(key, out int current) && current == version && seen.Add(key);

    /// <summary>
    /// Forgets the deleted keys not in <paramref name="stillHeld"/> (every deleted key when it is null): those whose entries
    /// no live posting holds any more. A deleted key keeps its label, negated, only so that its stale entries are never
    /// taken for live ones; kept for good, the labels of every key ever deleted filled memory and every checkpoint's meta
    /// file. A key added again afterwards starts over at version 1, which no entry of a live posting carries. Nothing
    /// else reads the old labels: a crash before the next checkpoint reopens the last one, labels, postings and all.
    /// </summary>
    private void ForgetDeletedKeys(HashSet<long>? stillHeld)
    {
        var forgotten = new List<long>();
        foreach (var (key, version) in versions)
        {
            if (version <= 0 && stillHeld?.Contains(key) != true)
            {
                forgotten.Add(key);
            }
        }

        if (forgotten.Count == 0)
        {
            return;
        }

        foreach (long key in forgotten)
        {
            versions.Remove(key);
        }

        versions.TrimExcess(); // the dictionary keeps its capacity otherwise: a purge's worth of empty slots for good
        postingsDirty = true; // the next checkpoint writes the shorter label list
    }

    /// <summary>Writes the live entries to a new extent (garbage collection of stale replicas).</summary>
    private void Rewrite(int p, List<LiveEntry> live)
    {
        var (offset, capacity) = WriteExtent(live);
        garbageBytes += postings.CapacityBytes(p);
        postings.Move(p, offset, capacity, live.Count);
        MirrorCodes(p, live);
        postingsDirty = true;
    }

    /// <summary>Makes the in-memory codes of posting <paramref name="p"/> those of <paramref name="live"/>, in disk order.</summary>
    private void MirrorCodes(int p, List<LiveEntry> live)
    {
        if (codes is null)
        {
            return;
        }

        codes.Clear(p);
        codes.Reserve(p, live.Count);
        foreach (var e in live)
        {
            codes.Append(p, e.Key, e.Version, e.Vector);
        }
    }

    private (long Offset, int Capacity) WriteExtent(List<LiveEntry> live)
    {
        long capacity = PostingLayout.ExtentBytes(live.Count, entrySize);
        var buffer = new byte[capacity];
        for (int i = 0; i < live.Count; i++)
        {
            PostingLayout.Write(buffer.AsSpan(i * entrySize, entrySize), live[i].Key, live[i].Version, live[i].Vector);
        }

        long offset = file.Allocate(capacity);
        file.Write(buffer, offset);
        return (offset, (int)capacity);
    }

    private int NewPosting(float[] centroid, List<LiveEntry> live)
    {
        var (offset, capacity) = WriteExtent(live);
        int id = postings.Add(offset, capacity, live.Count, 0, isAlive: true, isDirty: true);
        MirrorCodes(id, live);
        heads.Add(id, centroid);
        return id;
    }

    private void KillPosting(int p)
    {
        heads.Remove(p);
        garbageBytes += postings.CapacityBytes(p);
        postings.Kill(p);
        codes?.Clear(p);
        unsplittableUntil.Remove(p);
    }

    /// <summary>SPFresh split with LIRE: 2-means into two new postings, then reassign the boundary vectors.</summary>
    private void Split(int p)
    {
        var live = ReadLive(p);
        if (live.Count <= Options.SplitThreshold)
        {
            Rewrite(p, live); // it was stale entries, not live ones, that filled it
            if (live.Count < Options.MergeThreshold)
            {
                QueueMerge(p);
            }

            return;
        }

        var data = new float[live.Count * Dimension];
        for (int i = 0; i < live.Count; i++)
        {
            live[i].Vector.CopyTo(data, i * Dimension);
        }

        var rows = Enumerable.Range(0, live.Count).ToArray();
        var rng = new Random(BalancedKMeans.DeterministicSeed(Options.Seed, -1, p));
        var groups = BalancedKMeans.Split(data, Dimension, rows, 2, Options, rng, new ParallelOptions { MaxDegreeOfParallelism = 1 });
        if (groups[0].Length == 0 || groups[1].Length == 0)
        {
            // Identical vectors: nothing to separate. Not tried again before the posting has doubled.
            Rewrite(p, live);
            unsplittableUntil[p] = 2 * live.Count;
            return;
        }

        var oldHead = new float[Dimension];
        heads.TryCopyVector(p, oldHead);
        KillPosting(p);
        var newIds = new int[2];
        var centres = new float[2][];
        for (int g = 0; g < 2; g++)
        {
            centres[g] = BalancedKMeans.Mean(data, Dimension, groups[g]);
            if (Metric == VectorMetric.Cosine)
            {
                VectorDistance.Normalize(centres[g]);
            }

            newIds[g] = NewPosting(centres[g], [.. groups[g].Select(i => live[i])]);
        }

        splits++;

        // LIRE: only vectors whose nearest head may have changed are reassigned.
        var moved = new Dictionary<long, float[]>();
        for (int g = 0; g < 2; g++)
        {
            foreach (int i in groups[g])
            {
                var v = live[i].Vector;
                if (HeadDistance(v, centres[g]) > HeadDistance(v, oldHead))
                {
                    moved.TryAdd(live[i].Key, v); // it moved away from its head: another may now be nearer
                }
            }
        }

        if (Options.ReassignNeighbours > 0 && heads.Count > 2)
        {
            foreach (var near in heads.Search(oldHead, Options.ReassignNeighbours + 2))
            {
                int n = (int)near.Key;
                if (n == newIds[0] || n == newIds[1] || !postings.IsAlive(n))
                {
                    continue;
                }

                var head = new float[Dimension];
                heads.TryCopyVector(n, head);
                foreach (var e in ReadLive(n))
                {
                    float own = HeadDistance(e.Vector, head);
                    if (HeadDistance(e.Vector, centres[0]) < own || HeadDistance(e.Vector, centres[1]) < own)
                    {
                        moved.TryAdd(e.Key, e.Vector); // a new head is nearer than its own
                    }
                }
            }
        }

        foreach (var (key, v) in moved)
        {
            if (versions.TryGetValue(key, out int version) && version > 0)
            {
                versions[key] = version + 1;
                reassigned++;
                Place(key, version + 1, v);
            }
        }
    }

    /// <summary>Dissolves a tiny posting: its head goes, its live vectors are reinserted elsewhere.</summary>
    private void Merge(int p, List<LiveEntry> live)
    {
        KillPosting(p);
        merges++;
        foreach (var e in live)
        {
            int version = versions[e.Key] + 1;
            versions[e.Key] = version;
            Place(e.Key, version, e.Vector);
        }
    }

    private void ProcessMerges()
    {
        while (mergeCandidates.TryDequeue(out int p))
        {
            queuedMerges.TryRemove(p, out _);
            if (!postings.IsAlive(p) || heads.Count <= 1)
            {
                continue;
            }

            var live = ReadLive(p);
            if (live.Count < Options.MergeThreshold)
            {
                Merge(p, live);
            }
        }
    }

    private float HeadDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => ReportedDistance(Kernel(a, b));

    private void CheckpointLocked()
    {
        file.Flush();
        TrainCodesIfDue();
        CompactPostingsIfDue();
        var buffer = Array.Empty<byte>();
        for (int p = 0; p < postings.Length; p++)
        {
            if (!postings.IsDirty(p))
            {
                continue;
            }

            int bytes = postings.Count(p) * entrySize;
            if (buffer.Length < bytes)
            {
                buffer = new byte[bytes];
            }

            file.Read(buffer.AsSpan(0, bytes), postings.Offset(p));
            postings.MarkClean(p, Crc32.HashToUInt32(buffer.AsSpan(0, bytes)));
        }

        long generation = headGeneration + 1;
        heads.Save(SpannMeta.HeadFile(directory, generation));
        codes?.Write(PostingCodes.FileFor(directory, generation), indexId, generation, postings.Length);
        var meta = new SpannMeta
        {
            Dimension = Dimension,
            Metric = Metric,
            IndexId = indexId,
            HeadGeneration = generation,
            PostingsGeneration = postingsGeneration,
            WalSequence = walSequence,
            PostingsEnd = file.End,
            Postings = postings,
            Versions = versions,
            HasCodes = codes is not null,
        };
        meta.Write(directory);
        string old = SpannMeta.HeadFile(directory, headGeneration);
        string oldCodes = PostingCodes.FileFor(directory, headGeneration);
        headGeneration = generation;
        checkpointSequence = walSequence;
        postingsDirty = false;
        wal.Reset(indexId);
        File.Delete(old);
        File.Delete(oldCodes);
        while (replacedPostings.Count > 0)
        {
            File.Delete(replacedPostings[^1]);
            replacedPostings.RemoveAt(replacedPostings.Count - 1);
        }
    }

    /// <summary>
    /// Grown postings move to new extents and leave the old ones behind (they must stay intact until the next
    /// checkpoint, for crash recovery), so the file only grows. When at least half of it is such garbage, the live
    /// postings' live entries are copied, packed, into the next postings generation (their stale entries left behind, and
    /// with them the labels of deleted keys: <see cref="ForgetDeletedKeys"/>); the checkpoint's meta then names it, and
    /// the old file is deleted after that (<see cref="replacedPostings"/>). A crash before the meta is written leaves the
    /// old generation, and the labels it needs, in force.
    /// </summary>
    private void CompactPostingsIfDue()
    {
        if (garbageBytes < Options.CompactionMinimumBytes || garbageBytes * 2 < file.End)
        {
            return;
        }

        long generation = postingsGeneration + 1;
        string packedPath = SpannMeta.PostingsFile(directory, generation);
        var packed = PostingFile.Create(packedPath, Dimension, Metric, indexId);

        // The table changes only once the whole copy is on disk: a failure part-way (a full disk, say) must leave every
        // posting where it was, in the file still in use, not some of them at offsets of a file that is then dropped.
        var moved = new List<(int Posting, long Offset, int Capacity, int Count, uint Checksum, int[]? Kept)>();
        try
        {
            var buffer = Array.Empty<byte>();
            var read = Array.Empty<byte>();
            var kept = new List<int>();
            var seen = new HashSet<long>();
            for (int p = 0; p < postings.Length; p++)
            {
                if (!postings.IsAlive(p))
                {
                    continue;
                }

                CompactionCopying?.Invoke(moved.Count);

                int count = postings.Count(p);
                if (read.Length < count * entrySize)
                {
                    read = new byte[count * entrySize];
                }

                ReadPosting(p, read.AsSpan(0, count * entrySize));

                // Only the live entries are copied: the stale ones (deleted or replaced keys) are what every later search
                // would skip, and with none left anywhere no deleted key's label is needed any more (below).
                kept.Clear();
                seen.Clear();
                for (int i = 0; i < count; i++)
                {
                    var entry = read.AsSpan(i * entrySize, entrySize);
                    if (IsLive(PostingLayout.Key(entry), PostingLayout.Version(entry), seen))
                    {
                        kept.Add(i);
                    }
                }

                long capacity = PostingLayout.ExtentBytes(kept.Count, entrySize);
                if (buffer.Length < capacity)
                {
                    buffer = new byte[capacity];
                }

                var extent = buffer.AsSpan(0, (int)capacity);
                extent.Clear();
                for (int j = 0; j < kept.Count; j++)
                {
                    read.AsSpan(kept[j] * entrySize, entrySize).CopyTo(extent[(j * entrySize)..]);
                }

                long offset = packed.Allocate(capacity);
                packed.Write(extent, offset);
                var entries = extent[..(kept.Count * entrySize)];
                moved.Add((p, offset, (int)capacity, kept.Count, Crc32.HashToUInt32(entries), kept.Count < count ? [.. kept] : null));
            }

            packed.Flush();
        }
        catch
        {
            packed.Dispose();
            TryDelete(packedPath);
            throw;
        }

        foreach (var (p, offset, capacity, count, checksum, keptEntries) in moved)
        {
            postings.Move(p, offset, capacity, count);
            postings.MarkClean(p, checksum);
            if (keptEntries is not null)
            {
                codes?.Retain(p, keptEntries);
            }

            if (count < Options.MergeThreshold)
            {
                QueueMerge(p); // no search probes an emptied posting, so none would queue it: the next write dissolves it
            }
        }

        replacedPostings.Add(file.Path);
        file.Dispose();
        file = packed;
        postingsGeneration = generation;
        garbageBytes = 0;
        ForgetDeletedKeys(stillHeld: null); // every live posting now holds live entries only
    }

    /// <summary>Test hook: called before each posting a compaction copies, with the number copied so far.</summary>
    internal Action<int>? CompactionCopying { get; set; }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The original failure is the one to report; a leftover generation is overwritten by the next compaction.
        }
    }
}
