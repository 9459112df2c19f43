using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.Retrieval.Lexical;

namespace AgentMem.Retrieval.State;

/// <summary>
/// Everything the hybrid retriever scores one cube with, maintained write by write: memories by slot, four BM25
/// indexes (each memory; each memory with its ±<c>windowRadius</c> session neighbours; each session; tags), who is
/// named, which texts mention a time, and the embeddings. An upsert or removal touches only the memory, the windows
/// of its neighbours and its session, never the whole cube. Not thread-safe: <see cref="RetrievalState"/> serialises
/// access per cube.
/// </summary>
internal sealed class CubeIndex : IDisposable
{
    private readonly int windowRadius;
    private readonly Dictionary<MemoryId, int> slotOf = [];
    private readonly Stack<int> freeSlots = new();
    private readonly Dictionary<string, int> sessionIds = new(StringComparer.Ordinal);
    private readonly List<SessionState> sessions = [];
    private readonly Dictionary<string, ActorEntry> actors = new(StringComparer.Ordinal);
    private MemoryItem?[] items = new MemoryItem?[64];
    private List<string>?[] ownTerms = new List<string>?[64];
    private string?[] described = new string?[64];
    private int[] sessionOf = new int[64];
    private bool[] mentionsTime = new bool[64];
    private long textBytes;

    public CubeIndex(int windowRadius, bool weightBuckets, int? annThreshold = null)
    {
        this.windowRadius = windowRadius;
        Vectors = new VectorColumn(weightBuckets, annThreshold);
    }

    /// <inheritdoc/>
    public void Dispose() => Vectors.Dispose();

    /// <summary>The change-feed position this index reflects.</summary>
    public long Sequence { get; set; }

    /// <summary>One past the highest slot in use: the length every per-slot score array needs.</summary>
    public int Capacity { get; private set; }

    /// <summary>Memories indexed.</summary>
    public int Count => slotOf.Count;

    public IncrementalBm25 ItemIndex { get; } = new();

    public IncrementalBm25 WindowIndex { get; } = new();

    public IncrementalBm25 SessionIndex { get; } = new();

    public IncrementalBm25 TagIndex { get; } = new();

    public VectorColumn Vectors { get; }

    /// <summary>Approximate resident bytes, for the cache's budget.</summary>
    public long EstimatedBytes =>
        ItemIndex.EstimatedBytes + WindowIndex.EstimatedBytes + SessionIndex.EstimatedBytes + TagIndex.EstimatedBytes + Vectors.EstimatedBytes
        + (items.Length * 40L) + (slotOf.Count * 48L) + textBytes + (sessions.Count * 256L);

    /// <summary>Distinct actors of the cube with the lower-case words of their names.</summary>
    public IEnumerable<KeyValuePair<string, string[]>> Actors => actors.Select(a => new KeyValuePair<string, string[]>(a.Key, a.Value.Words));

    public MemoryItem? ItemAt(int slot) => slot < Capacity ? items[slot] : null;

    public string? DescribedAt(int slot) => slot < Capacity ? described[slot] : null;

    public bool MentionsTime(int slot) => mentionsTime[slot];

    /// <summary>The session document a slot belongs to, or −1.</summary>
    public int SessionOf(int slot) => sessionOf[slot];

    public bool TryGetSlot(MemoryId id, out int slot) => slotOf.TryGetValue(id, out slot);

    /// <summary>Whether a memory in <paramref name="state"/> is searchable at all (superseded versions are not).</summary>
    public static bool IsIndexed(LifecycleState state) => state is LifecycleState.Active or LifecycleState.Archived or LifecycleState.Frozen or LifecycleState.Deleted;

    /// <summary>
    /// Adds or replaces a memory. <paramref name="describedText"/> is <see cref="IndexedText.Describe"/> of it;
    /// <paramref name="vector"/> its embedding, or null to leave the vector signal without it (yet).
    /// </summary>
    public void Upsert(MemoryItem item, string describedText, ReadOnlySpan<float> vector, bool hasVector)
    {
        if (!IsIndexed(item.State))
        {
            Remove(item.Id);
            return;
        }

        if (slotOf.TryGetValue(item.Id, out int existing) && described[existing] == describedText
            && items[existing]!.Scope.Session == item.Scope.Session && (items[existing]!.State == LifecycleState.Deleted) == (item.State == LifecycleState.Deleted))
        {
            // Same indexed text and place: a recall, a state change between live states, new links. Nothing to re-score.
            items[existing] = item;
            if (hasVector)
            {
                Vectors.Set(existing, vector);
            }

            return;
        }

        Remove(item.Id);
        int slot = freeSlots.Count > 0 ? freeSlots.Pop() : Capacity;
        Ensure(slot);
        Capacity = Math.Max(Capacity, slot + 1);
        slotOf[item.Id] = slot;
        items[slot] = item;
        described[slot] = describedText;
        textBytes += 2L * describedText.Length + 200;
        var own = TextAnalyzer.Terms(describedText);
        ownTerms[slot] = own;
        mentionsTime[slot] = MemoryCore.Time.TemporalCues.MentionsTime(item.Text);
        ItemIndex.Set(slot, own);
        TagIndex.Set(slot, item.Tags.Select(t => t.ToLowerInvariant()).ToList());
        if (item.Provenance.Actor is { } actor)
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
        string? session = item.State == LifecycleState.Deleted ? null : item.Scope.Session;
        if (session is null)
        {
            sessionOf[slot] = -1;
            WindowIndex.Set(slot, own);
        }
        else
        {
            JoinSession(slot, session);
        }

        if (hasVector)
        {
            Vectors.Set(slot, vector);
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

        if (item.Provenance.Actor is { } actor && actors.TryGetValue(actor, out var entry) && --entry.Count == 0)
        {
            actors.Remove(actor);
        }

        ItemIndex.Remove(slot);
        WindowIndex.Remove(slot);
        TagIndex.Remove(slot);
        Vectors.Remove(slot);
        textBytes -= 2L * described[slot]!.Length + 200;
        items[slot] = null;
        described[slot] = null;
        ownTerms[slot] = null;
        sessionOf[slot] = -1;
        mentionsTime[slot] = false;
        freeSlots.Push(slot);
        return true;
    }

    private void JoinSession(int slot, string session)
    {
        if (!sessionIds.TryGetValue(session, out int s))
        {
            s = sessions.Count;
            sessionIds[session] = s;
            sessions.Add(new SessionState());
        }

        var state = sessions[s];
        sessionOf[slot] = s;

        // Members stay in creation (id) order; a new memory is nearly always the last.
        var id = items[slot]!.Id;
        int at = state.Members.Count;
        while (at > 0 && items[state.Members[at - 1]]!.Id.CompareTo(id) > 0)
        {
            at--;
        }

        state.Members.Insert(at, slot);
        foreach (string term in ownTerms[slot]!)
        {
            state.Terms[term] = state.Terms.GetValueOrDefault(term) + 1;
        }

        SessionIndex.Set(s, state.Terms);
        RefreshWindows(state, at);
    }

    private void LeaveSession(int slot)
    {
        int s = sessionOf[slot];
        var state = sessions[s];
        int at = state.Members.IndexOf(slot);
        state.Members.RemoveAt(at);
        foreach (string term in ownTerms[slot]!)
        {
            if (--state.Terms[term] == 0)
            {
                state.Terms.Remove(term);
            }
        }

        if (state.Members.Count == 0)
        {
            SessionIndex.Remove(s);
        }
        else
        {
            SessionIndex.Set(s, state.Terms);
        }

        sessionOf[slot] = -1;
        RefreshWindows(state, at);
    }

    /// <summary>Re-derives the window documents of the members within the radius of position <paramref name="at"/>.</summary>
    private void RefreshWindows(SessionState state, int at)
    {
        var members = state.Members;
        int from = Math.Max(0, at - windowRadius), to = Math.Min(members.Count - 1, at + windowRadius);
        for (int p = from; p <= to; p++)
        {
            var doc = new List<string>(ownTerms[members[p]]!);
            for (int o = 1; o <= windowRadius; o++)
            {
                if (p - o >= 0)
                {
                    doc.AddRange(ownTerms[members[p - o]]!);
                }

                if (p + o < members.Count)
                {
                    doc.AddRange(ownTerms[members[p + o]]!);
                }
            }

            WindowIndex.Set(members[p], doc);
        }
    }

    private void Ensure(int slot)
    {
        if (slot < items.Length)
        {
            return;
        }

        int size = Math.Max(slot + 1, items.Length * 2);
        Array.Resize(ref items, size);
        Array.Resize(ref ownTerms, size);
        Array.Resize(ref described, size);
        Array.Resize(ref sessionOf, size);
        Array.Resize(ref mentionsTime, size);
    }

    private sealed class SessionState
    {
        public List<int> Members { get; } = [];

        public Dictionary<string, int> Terms { get; } = new(StringComparer.Ordinal);
    }

    private sealed class ActorEntry(string[] words)
    {
        public string[] Words { get; } = words;

        public int Count { get; set; }
    }
}
