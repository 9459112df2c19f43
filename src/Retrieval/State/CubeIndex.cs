namespace AgentMem.Retrieval.State;

/// <summary>
/// Everything the hybrid retriever scores one cube with, maintained write by write: a slim copy of each memory (no
/// text: hits are read back from the store), BM25 over each memory, the memories of each session in creation order,
/// tags, who is named, which texts mention a time, and the embeddings. The window signal (a memory with its
/// ±radius session neighbours) and the session signal are computed at query time from the memories' own postings,
/// exactly as BM25 over those concatenated documents would score them, so a write touches only its own postings and
/// the lengths of its neighbourhood. Not thread-safe: <see cref="RetrievalState"/> serialises access per cube.
/// </summary>
internal sealed class CubeIndex : IDisposable
{
    private readonly int windowRadius;
    private readonly Dictionary<MemoryId, int> slotOf = [];
    private readonly Stack<int> freeSlots = new();
    private readonly Dictionary<string, int> sessionIds = new(StringComparer.Ordinal);
    private readonly List<SessionState> sessions = [];
    private readonly Dictionary<string, ActorEntry> actors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> interned = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string?, string?, string?), Scope> scopes = [];
    private MemoryItem?[] items = new MemoryItem?[64];
    private ulong[] textHash = new ulong[64];
    private ulong[] contentKey = new ulong[64];
    private int[] sessionOf = new int[64];
    private int[] positionInSession = new int[64];
    private int[] windowLength = new int[64];
    private bool[] mentionsTime = new bool[64];
    private sbyte[] stateOf = new sbyte[64];
    private int[] actorOf = new int[64];
    private readonly Dictionary<string, int> actorIds = new(StringComparer.Ordinal);
    private long windowTotal;
    private long sessionTotal;
    private int liveSessions;

    public CubeIndex(int windowRadius, int? annThreshold = null, string? annFolder = null, int passageChars = RetrievalStateOptions.DefaultPassageChars, int vectorPassageChars = RetrievalStateOptions.DefaultVectorPassageChars)
    {
        this.windowRadius = windowRadius;
        Vectors = new VectorColumn(annThreshold, annFolder);
        Passages = new PassageColumn(passageChars, vectorPassageChars);
    }

    /// <summary>The stable 64-bit key a memory's vector has in ANN indexes (FNV-1a of its id; collisions are detected).</summary>
    public static long VectorKey(MemoryId id)
    {
        Span<char> text = stackalloc char[26];
        id.TryFormat(text, out _, default, null);
        return (long)(Fnv(text) & long.MaxValue);
    }

    /// <summary>Whether this index was restored from a snapshot (not built from the store).</summary>
    public bool Restored { get; set; }

    /// <summary>The change-feed position this index reflects.</summary>
    public long Sequence { get; set; }

    /// <summary>One past the highest slot in use: the length every per-slot score array needs.</summary>
    public int Capacity { get; private set; }

    /// <summary>Memories indexed.</summary>
    public int Count => slotOf.Count;

    /// <summary>BM25 over each memory's indexed text.</summary>
    public IncrementalBm25 ItemIndex { get; } = new();

    /// <summary>BM25 over each memory's tags (matched whole, lower-case).</summary>
    public IncrementalBm25 TagIndex { get; } = new();

    public VectorColumn Vectors { get; }

    /// <summary>BM25 over the passages of long memories (see <see cref="PassageColumn"/>).</summary>
    public PassageColumn Passages { get; }

    /// <summary>Sessions with at least one member; one past the highest session number.</summary>
    public int SessionCapacity => sessions.Count;

    /// <summary>Approximate resident bytes, for the cache's budget.</summary>
    public long EstimatedBytes =>
        ItemIndex.EstimatedBytes + TagIndex.EstimatedBytes + Vectors.EstimatedBytes + Passages.EstimatedBytes + (items.Length * 56L) + (slotOf.Count * (48L + SlimItemBytes))
        + (sessions.Count * 96L) + (interned.Count * 64L);

    /// <summary>Distinct actors of the cube with the lower-case words of their names.</summary>
    public IEnumerable<KeyValuePair<string, string[]>> Actors => actors.Select(a => new KeyValuePair<string, string[]>(a.Key, a.Value.Words));

    private const long SlimItemBytes = 360;

    public void Dispose() => Vectors.Dispose();

    /// <summary>The slim copy of the memory in <paramref name="slot"/>: every field but text, keywords, context and hash.</summary>
    public MemoryItem? ItemAt(int slot) => slot < Capacity ? items[slot] : null;

    /// <summary>A 64-bit key of the memory's content hash, for collapsing exact duplicates.</summary>
    public ulong ContentKey(int slot) => contentKey[slot];

    public bool MentionsTime(int slot) => mentionsTime[slot];

    /// <summary>The slot's lifecycle state as an int, or −1 for an empty slot.</summary>
    public int StateAt(int slot) => slot < Capacity && items[slot] is not null ? stateOf[slot] : -1;

    /// <summary>The slot's actor number (see <see cref="ActorNumber"/>), or −1 when it has none.</summary>
    public int ActorAt(int slot) => actorOf[slot];

    /// <summary>A small number per distinct actor name of the cube (stable while the index lives), or −1 if unknown.</summary>
    public int ActorNumber(string actor) => actorIds.TryGetValue(actor, out int n) ? n : -1;

    /// <summary>Actor numbers handed out so far: every <see cref="ActorAt"/> is below it (numbers are not reused when an actor's last memory goes).</summary>
    public int ActorNumbers => actorIds.Count;

    /// <summary>The session a slot belongs to, or −1.</summary>
    public int SessionOf(int slot) => sessionOf[slot];

    /// <summary>The slot <paramref name="offset"/> places after <paramref name="slot"/> in its session (before, when negative), or −1.</summary>
    public int SessionNeighbour(int slot, int offset)
    {
        int s = sessionOf[slot];
        if (s < 0)
        {
            return -1;
        }

        var members = sessions[s].Members;
        int p = positionInSession[slot] + offset;
        return p >= 0 && p < members.Count ? members[p] : -1;
    }

    public bool TryGetSlot(MemoryId id, out int slot) => slotOf.TryGetValue(id, out slot);

    /// <summary>Whether the slot's indexed text hashes to <paramref name="describedText"/>'s.</summary>
    public bool SameText(int slot, string describedText) => items[slot] is not null && textHash[slot] == Fnv(describedText);

    /// <summary>Whether a memory in <paramref name="state"/> is searchable at all (superseded versions are not).</summary>
    public static bool IsIndexed(LifecycleState state) => state is LifecycleState.Active or LifecycleState.Archived or LifecycleState.Frozen or LifecycleState.Deleted;

    /// <summary>
    /// Adds or replaces a memory. <paramref name="describedText"/> is <see cref="IndexedText.Describe"/> of it;
    /// <paramref name="vector"/> its embedding when <paramref name="hasVector"/>.
    /// </summary>
    public void Upsert(MemoryItem item, string describedText, ReadOnlySpan<float> vector, bool hasVector)
    {
        if (!IsIndexed(item.State))
        {
            Remove(item.Id);
            return;
        }

        var slim = Slim(item);
        if (slotOf.TryGetValue(item.Id, out int existing) && textHash[existing] == Fnv(describedText)
            && items[existing]!.Scope.Session == item.Scope.Session && (items[existing]!.State == LifecycleState.Deleted) == (item.State == LifecycleState.Deleted)
            && items[existing]!.Tags.SequenceEqual(item.Tags, StringComparer.Ordinal))
        {
            // Same indexed text and place: a recall, a state change between live states, new links. Nothing to re-score.
            items[existing] = slim;
            stateOf[existing] = (sbyte)item.State;
            contentKey[existing] = Fnv(item.ContentHash);
            if (hasVector)
            {
                SetVectors(existing, item.Id, vector);
            }

            return;
        }

        Remove(item.Id);
        int slot = Claim(slim, Fnv(describedText), Fnv(item.ContentHash), MemoryCore.Time.TemporalCues.MentionsTime(item.Text));
        ItemIndex.Set(slot, TextAnalyzer.Terms(describedText));
        Passages.Set(slot, item.Text, ItemIndex);
        Attach(slot, slim);
        if (hasVector)
        {
            SetVectors(slot, item.Id, vector);
        }
    }

    /// <summary>
    /// Adds a memory read back from a snapshot (<see cref="CubeIndexFile"/>) into an index being restored: already slim,
    /// its strings and scope this cube's shared instances, its analysis saved with it (distinct term ids of
    /// <see cref="ItemIndex"/> with their frequencies; the postings follow through <see cref="IncrementalBm25.RestorePosting"/>).
    /// Returns the slot: the n-th memory restored into an empty index takes slot n.
    /// </summary>
    public int Restore(MemoryItem slim, ulong savedTextHash, ulong savedContentKey, bool savedMentionsTime, ReadOnlySpan<int> termIds, ReadOnlySpan<int> frequencies)
    {
        int slot = Claim(slim, savedTextHash, savedContentKey, savedMentionsTime);
        ItemIndex.RestoreDocument(slot, termIds, frequencies);
        Attach(slot, slim);
        return slot;
    }

    /// <summary>Room for <paramref name="memories"/> memories before a restore, so the arrays and the id map do not regrow through it.</summary>
    public void Reserve(int memories)
    {
        if (memories > 0)
        {
            Ensure(memories - 1);
            slotOf.EnsureCapacity(memories);
        }
    }

    /// <summary>The live memories in creation order with what a snapshot keeps of each.</summary>
    public IEnumerable<(MemoryItem Slim, ulong TextHash, ulong ContentKey, bool MentionsTime, bool HasVector, IReadOnlyList<(string Term, int Tf)> Terms, IReadOnlyList<(MemoryCore.Text.TextSpan Span, IReadOnlyList<(string Term, int Tf)> Terms)> Passages)> Export()
    {
        foreach (var (id, slot) in slotOf.OrderBy(p => p.Key))
        {
            yield return (items[slot]!, textHash[slot], contentKey[slot], mentionsTime[slot], Vectors.Has(slot), ItemIndex.DocumentTerms(slot), Passages.Export(slot));
        }
    }

    /// <summary>A slot for a new memory with its per-slot facts; the caller then sets its terms and calls <see cref="Attach"/>.</summary>
    /// <remarks>
    /// This and the other methods a snapshot restore calls per memory are compiled fully optimised on first call: a
    /// restore runs them 100,000 times in a fresh process, where tier-0 code made the cold open about 30% slower.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Claim(MemoryItem slim, ulong hash, ulong content, bool time)
    {
        int slot = freeSlots.Count > 0 ? freeSlots.Pop() : Capacity;
        Ensure(slot);
        Capacity = Math.Max(Capacity, slot + 1);
        slotOf[slim.Id] = slot;
        items[slot] = slim;
        stateOf[slot] = (sbyte)slim.State;
        actorOf[slot] = slim.Provenance.Actor is { } who ? ActorId(who) : -1;
        textHash[slot] = hash;
        contentKey[slot] = content;
        mentionsTime[slot] = time;
        return slot;
    }

    /// <summary>Tags, actor and session (window) of a claimed slot whose terms are set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Attach(int slot, MemoryItem slim)
    {
        if (slim.Tags.Count == 0)
        {
            TagIndex.SetEmpty(slot); // most memories: an empty tag document, without building one
        }
        else
        {
            TagIndex.Set(slot, slim.Tags.Select(t => t.ToLowerInvariant()).ToList());
        }

        if (slim.Provenance.Actor is { } actor)
        {
            if (actors.TryGetValue(actor, out var entry))
            {
                entry.Count++;
            }
            else
            {
                actors[actor] = new ActorEntry([.. TextAnalyzer.Words(actor)]) { Count = 1 };
            }
        }

        // A deleted memory is a tombstone: findable on request, but it lends no context to others.
        string? session = slim.State == LifecycleState.Deleted ? null : slim.Scope.Session;
        if (session is null)
        {
            sessionOf[slot] = -1;
            windowLength[slot] = ItemIndex.DocumentLength(slot);
            windowTotal += windowLength[slot];
        }
        else
        {
            JoinSession(slot, session);
        }
    }

    /// <summary>Indexed memories with no vector yet (waiting for the background embedder).</summary>
    public List<MemoryId> WithoutVector()
    {
        var ids = new List<MemoryId>();
        foreach (var (id, slot) in slotOf)
        {
            if (!Vectors.Has(slot))
            {
                ids.Add(id);
            }
        }

        return ids;
    }

    /// <summary>Sets the vector of an indexed memory (for a long one, its own vector then its passages', concatenated).</summary>
    public void SetVector(MemoryId id, ReadOnlySpan<float> vector)
    {
        if (slotOf.TryGetValue(id, out int slot))
        {
            SetVectors(slot, id, vector);
        }
    }

    /// <summary>The memory's embedding as stored: its own vector, then its passage groups' vectors when it has them.</summary>
    public float[] FullVector(int slot)
    {
        var passages = Passages.VectorsOf(slot);
        var own = Vectors.Row(slot);
        var all = new float[own.Length + passages.Length];
        own.CopyTo(all);
        passages.CopyTo(all, own.Length);
        return all;
    }

    /// <summary>Sets only the passage vectors of a long memory from its stored embedding (its own vector is in the ANN index).</summary>
    public void SetPassageVectors(MemoryId id, ReadOnlySpan<float> vector)
    {
        int passages = slotOf.TryGetValue(id, out int slot) ? Passages.VectorGroupCount(slot) : 0;
        if (passages > 0 && Vectors.Dimension > 0 && vector.Length == Vectors.Dimension * (passages + 1))
        {
            Passages.SetVectors(slot, vector[Vectors.Dimension..], Vectors.Dimension);
        }
    }

    /// <summary>Memories indexed as passages (long texts).</summary>
    public List<MemoryId> LongMemories() => slotOf.Where(p => Passages.PassagesOf(p.Value).Length > 0).Select(p => p.Key).ToList();

    /// <summary>
    /// Splits an embedding as <see cref="FullVector"/> lays it out: the memory's own vector goes to <see cref="Vectors"/>,
    /// its passages' to <see cref="Passages"/>. A vector of any other length goes whole to the column, which refuses a
    /// wrong dimension.
    /// </summary>
    private void SetVectors(int slot, MemoryId id, ReadOnlySpan<float> vector)
    {
        int passages = Passages.VectorGroupCount(slot);
        int dimension = Vectors.Dimension > 0 ? Vectors.Dimension
            : passages > 0 && vector.Length % (passages + 1) == 0 ? vector.Length / (passages + 1) : vector.Length;
        if (passages == 0 || vector.Length != dimension * (passages + 1))
        {
            Vectors.Set(slot, VectorKey(id), vector);
            return;
        }

        Vectors.Set(slot, VectorKey(id), vector[..dimension]);
        Passages.SetVectors(slot, vector[dimension..], dimension);
    }

    /// <summary>Records that a reopened ANN index already holds this memory's vector.</summary>
    public void MarkVectorIndexed(MemoryId id)
    {
        if (slotOf.TryGetValue(id, out int slot))
        {
            Vectors.MarkIndexed(slot, VectorKey(id));
        }
    }

    /// <summary>Records, for every indexed memory, that the reopened ANN index holds its vector (those it has: see <see cref="VectorColumn.MarkIndexed"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void MarkAllVectorsIndexed()
    {
        Vectors.Reserve(Capacity, slotOf.Count);
        foreach (var (id, slot) in slotOf)
        {
            Vectors.MarkIndexed(slot, VectorKey(id));
        }
    }

    /// <summary>
    /// Removes a memory that left the cube (purged, superseded, gone from the store), from a reopened SPANN index too when
    /// this index does not hold it: the SPANN index's log may hold its vector although the snapshot restored with it never
    /// had the memory (added after their checkpoint, before a crash).
    /// </summary>
    public void RemoveGone(MemoryId id)
    {
        if (!Remove(id))
        {
            Vectors.RemoveKey(VectorKey(id));
        }
    }

    /// <summary>Removes a memory (purged, superseded); false if it was not indexed.</summary>
    public bool Remove(MemoryId id)
    {
        if (!slotOf.Remove(id, out int slot))
        {
            return false;
        }

        var item = items[slot]!;
        if (sessionOf[slot] >= 0)
        {
            LeaveSession(slot);
        }
        else
        {
            windowTotal -= windowLength[slot];
        }

        if (item.Provenance.Actor is { } actor && actors.TryGetValue(actor, out var entry) && --entry.Count == 0)
        {
            actors.Remove(actor);
        }

        ItemIndex.Remove(slot);
        Passages.Remove(slot);
        TagIndex.Remove(slot);
        Vectors.Remove(slot);
        items[slot] = null;
        textHash[slot] = 0;
        windowLength[slot] = 0;
        sessionOf[slot] = -1;
        mentionsTime[slot] = false;
        freeSlots.Push(slot);
        return true;
    }

    /// <summary>
    /// BM25 of each memory's window document (its own terms plus those of its ±radius session neighbours) for the
    /// query, computed from the memories' postings: the same scores a BM25 index over the materialised windows gives.
    /// Returns the best score.
    /// </summary>
    /// <remarks>
    /// A term's window frequencies are gathered one of two ways, whichever touches less: each posting added to its
    /// 2·radius+1 windows (rare terms), or the postings' frequencies laid on their sessions and summed with a sliding
    /// window along each session touched (common terms, such as a speaker's name in every other turn).
    /// </remarks>
    public float ScoreWindows(IReadOnlyList<string> queryTerms, float[] scores)
    {
        var scratch = TermScratch.Take(Capacity, sessions.Count);
        float max = ScoreComposed(queryTerms, scores, ItemIndex.DocumentCount, windowTotal, scratch.Tf, scratch.Touched, scratch.Postings, new WindowDocuments(this, scratch));
        scratch.Release();
        return max;
    }

    /// <summary>
    /// Lays one term's postings on the windows around them, whichever way touches less (see <see cref="ScoreWindows"/>);
    /// the sessions' marks in <paramref name="scratch"/> are left cleared.
    /// </summary>
    private void GatherWindows(List<(int Doc, int Tf)> postings, TermScratch scratch, int[] tf, List<int> touched)
    {
        var sessionSeen = scratch.Seen;
        var touchedSessions = scratch.TouchedGroups;
        long sessionMembers = 0;
        foreach (var (doc, _) in postings)
        {
            if (sessionOf[doc] is int s and >= 0 && sessionSeen[s] == 0)
            {
                sessionSeen[s] = 1;
                touchedSessions.Add(s);
                sessionMembers += sessions[s].Members.Count;
            }
        }

        if (sessionMembers < (long)postings.Count * ((2 * windowRadius) + 1))
        {
            SlideWindows(postings, touchedSessions, scratch.OwnTf, tf, touched);
        }
        else
        {
            ScatterWindows(postings, tf, touched);
        }

        foreach (int s in touchedSessions)
        {
            sessionSeen[s] = 0;
        }

        touchedSessions.Clear();
    }

    /// <summary>Adds each posting's frequency to the windows around it.</summary>
    private void ScatterWindows(List<(int Doc, int Tf)> postings, int[] tf, List<int> touched)
    {
        foreach (var (doc, f) in postings)
        {
            int s = sessionOf[doc];
            if (s < 0)
            {
                Touch(doc, f, tf, touched);
                continue;
            }

            var members = sessions[s].Members;
            int p = positionInSession[doc];
            for (int q = Math.Max(0, p - windowRadius), end = Math.Min(members.Count - 1, p + windowRadius); q <= end; q++)
            {
                Touch(members[q], f, tf, touched);
            }
        }
    }

    /// <summary>Lays the postings' frequencies on their sessions, then sums each window with one slide along each session.</summary>
    private void SlideWindows(List<(int Doc, int Tf)> postings, List<int> touchedSessions, int[] ownTf, int[] tf, List<int> touched)
    {
        foreach (var (doc, f) in postings)
        {
            if (sessionOf[doc] < 0)
            {
                Touch(doc, f, tf, touched); // no session: its window is itself
            }
            else
            {
                ownTf[doc] = f;
            }
        }

        foreach (int s in touchedSessions)
        {
            var members = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(sessions[s].Members);
            int sum = 0;
            for (int q = 0; q < Math.Min(windowRadius, members.Length); q++)
            {
                sum += ownTf[members[q]];
            }

            for (int p = 0; p < members.Length; p++)
            {
                if (p + windowRadius < members.Length)
                {
                    sum += ownTf[members[p + windowRadius]];
                }

                if (p - windowRadius - 1 >= 0)
                {
                    sum -= ownTf[members[p - windowRadius - 1]];
                }

                if (sum > 0)
                {
                    tf[members[p]] = sum;
                    touched.Add(members[p]);
                }
            }
        }

        foreach (var (doc, _) in postings)
        {
            ownTf[doc] = 0;
        }
    }

    /// <summary>BM25 of each session's concatenated memories for the query, into <paramref name="sessionScores"/> (by session). Returns the best.</summary>
    public float ScoreSessions(IReadOnlyList<string> queryTerms, float[] sessionScores)
    {
        var scratch = TermScratch.Take(Capacity, sessions.Count);
        float max = ScoreComposed(queryTerms, sessionScores, liveSessions, sessionTotal, scratch.Seen, scratch.TouchedGroups, scratch.Postings, new SessionDocuments(this));
        scratch.Release();
        return max;
    }

    /// <summary>
    /// BM25 for the query of documents composed of memories (windows, sessions), into <paramref name="scores"/> by
    /// document; <paramref name="count"/> documents of <paramref name="totalLength"/> terms in all. Per distinct term,
    /// <paramref name="documents"/> lays the term's postings on its documents, then each touched document gets the term's
    /// saturation at its length and its counter is reset. Returns the best score.
    /// </summary>
    private float ScoreComposed<TDocuments>(IReadOnlyList<string> queryTerms, float[] scores, int count, long totalLength, int[] tf, List<int> touched, List<(int Doc, int Tf)> postings, TDocuments documents)
        where TDocuments : struct, IComposedDocuments
    {
        if (count == 0)
        {
            return 0;
        }

        float avg = Math.Max(1f, totalLength / (float)count);
        float max = 0;
        foreach (string term in Distinct(queryTerms))
        {
            postings.Clear();
            ItemIndex.CollectPostings(term, postings);
            documents.Gather(postings, tf, touched);

            // The term's IDF once, then BM25's saturation per document (IncrementalBm25.TermScore, hoisted).
            var saturation = new Bm25Saturation(IncrementalBm25.Idf(count, touched.Count), ItemIndex.K1, ItemIndex.B, avg);
            foreach (int d in touched)
            {
                float score = scores[d] += saturation.Score(tf[d], documents.Length(d));
                max = Math.Max(max, score);
                tf[d] = 0;
            }

            touched.Clear();
        }

        return max;
    }

    private static void Touch(int doc, int f, int[] tf, List<int> touched)
    {
        if (tf[doc] == 0)
        {
            touched.Add(doc);
        }

        tf[doc] += f;
    }

    private static List<string> Distinct(IReadOnlyList<string> terms)
    {
        var distinct = new List<string>(terms.Count);
        foreach (string t in terms)
        {
            if (!distinct.Contains(t))
            {
                distinct.Add(t);
            }
        }

        return distinct;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void JoinSession(int slot, string session)
    {
        if (!sessionIds.TryGetValue(session, out int s))
        {
            s = sessions.Count;
            sessionIds[session] = s;
            sessions.Add(new SessionState());
        }

        var state = sessions[s];
        if (state.Members.Count == 0)
        {
            liveSessions++;
        }

        sessionOf[slot] = s;

        // Members stay in creation (id) order; a new memory is nearly always the last.
        var id = items[slot]!.Id;
        int at = state.Members.Count;
        while (at > 0 && items[state.Members[at - 1]]!.Id.CompareTo(id) > 0)
        {
            at--;
        }

        state.Members.Insert(at, slot);
        int length = ItemIndex.DocumentLength(slot);
        state.Length += length;
        sessionTotal += length;
        Renumber(state, at);
        RefreshWindows(state, at);
    }

    private void LeaveSession(int slot)
    {
        int s = sessionOf[slot];
        var state = sessions[s];
        int at = positionInSession[slot];
        state.Members.RemoveAt(at);
        int length = ItemIndex.DocumentLength(slot);
        state.Length -= length;
        sessionTotal -= length;
        if (state.Members.Count == 0)
        {
            liveSessions--;
        }

        windowTotal -= windowLength[slot];
        windowLength[slot] = 0;
        sessionOf[slot] = -1;
        Renumber(state, at);
        RefreshWindows(state, at);
    }

    private void Renumber(SessionState state, int from)
    {
        for (int p = from; p < state.Members.Count; p++)
        {
            positionInSession[state.Members[p]] = p;
        }
    }

    /// <summary>Re-derives the window lengths of the members within the radius of position <paramref name="at"/>.</summary>
    private void RefreshWindows(SessionState state, int at)
    {
        var members = state.Members;
        int from = Math.Max(0, at - windowRadius), to = Math.Min(members.Count - 1, at + windowRadius);
        for (int p = from; p <= to; p++)
        {
            int length = 0;
            for (int q = Math.Max(0, p - windowRadius), end = Math.Min(members.Count - 1, p + windowRadius); q <= end; q++)
            {
                length += ItemIndex.DocumentLength(members[q]);
            }

            windowTotal += length - windowLength[members[p]];
            windowLength[members[p]] = length;
        }
    }

    /// <summary>The memory without what scoring never reads (text, keywords, context, hash); strings shared per cube.</summary>
    private MemoryItem Slim(MemoryItem item) => item with
    {
        Text = string.Empty,
        Keywords = [],
        Context = null,
        ContentHash = string.Empty,
        StateReason = null,
        Payload = null,
        CubeId = Intern(item.CubeId)!,
        Scope = SharedScope(item.Scope.Tenant, item.Scope.User, item.Scope.Agent, item.Scope.Session),
        Provenance = item.Provenance with { Actor = Intern(item.Provenance.Actor), SourceRef = null }, // nearly unique per memory, never scored (results are read back whole)
        Tags = item.Tags.Count == 0 ? [] : item.Tags.Select(t => Intern(t)!).ToArray(),
        Links = item.Links.Count == 0 ? [] : item.Links.ToArray(),
    };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int ActorId(string actor)
    {
        if (!actorIds.TryGetValue(actor, out int n))
        {
            actorIds[actor] = n = actorIds.Count;
        }

        return n;
    }

    /// <summary>One <see cref="Scope"/> instance per distinct scope of the cube (most memories share a handful).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Scope SharedScope(string tenant, string? user, string? agent, string? session)
    {
        var key = (Intern(tenant)!, Intern(user), Intern(agent), Intern(session));
        if (!scopes.TryGetValue(key, out var scope))
        {
            scopes[key] = scope = new Scope(key.Item1, key.Item2, key.Item3, key.Item4);
        }

        return scope;
    }

    /// <summary>The cube's shared instance of <paramref name="value"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public string? Intern(string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (!interned.TryGetValue(value, out var shared))
        {
            interned[value] = shared = value;
        }

        return shared;
    }

    private static ulong Fnv(ReadOnlySpan<char> text)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in text)
        {
            h = (h ^ c) * 1099511628211UL;
        }

        return h;
    }

    private void Ensure(int slot)
    {
        if (slot < items.Length)
        {
            return;
        }

        int size = Math.Max(slot + 1, items.Length * 2);
        Array.Resize(ref items, size);
        Array.Resize(ref textHash, size);
        Array.Resize(ref contentKey, size);
        Array.Resize(ref sessionOf, size);
        Array.Resize(ref positionInSession, size);
        Array.Resize(ref windowLength, size);
        Array.Resize(ref mentionsTime, size);
        Array.Resize(ref stateOf, size);
        Array.Resize(ref actorOf, size);
    }

    /// <summary>The documents <see cref="ScoreComposed"/> scores: how a term's postings land on them, and their lengths.</summary>
    private interface IComposedDocuments
    {
        /// <summary>Adds each posting's frequency to the documents holding it in <paramref name="tf"/>, listing each document once in <paramref name="touched"/>.</summary>
        void Gather(List<(int Doc, int Tf)> postings, int[] tf, List<int> touched);

        /// <summary>The document's length in terms.</summary>
        float Length(int document);
    }

    /// <summary>Each memory with its ±radius session neighbours.</summary>
    private readonly struct WindowDocuments(CubeIndex index, TermScratch scratch) : IComposedDocuments
    {
        public void Gather(List<(int Doc, int Tf)> postings, int[] tf, List<int> touched) => index.GatherWindows(postings, scratch, tf, touched);

        public float Length(int document) => index.windowLength[document];
    }

    /// <summary>Each session's memories concatenated.</summary>
    private readonly struct SessionDocuments(CubeIndex index) : IComposedDocuments
    {
        public void Gather(List<(int Doc, int Tf)> postings, int[] tf, List<int> touched)
        {
            foreach (var (doc, f) in postings)
            {
                if (index.sessionOf[doc] is int s and >= 0)
                {
                    Touch(s, f, tf, touched);
                }
            }
        }

        public float Length(int document) => index.sessions[document].Length;
    }

    private sealed class SessionState
    {
        public List<int> Members { get; } = [];

        public long Length { get; set; }
    }

    private sealed class ActorEntry(string[] words)
    {
        public string[] Words { get; } = words;

        public int Count { get; set; }
    }
}
