using AgentMem.MemoryCore.Facts;

namespace AgentMem.MemoryCore.Links;

/// <summary>
/// Finds the notes a new note should link to within one cube: an inverted index from keyword stems and tags to notes,
/// scored by the inverse document frequency of what they share (rare shared keywords mean a real connection, "today"
/// does not). Link types come from simple rules: same speaker and ≥ 2 shared keywords → elaborates; a negation on one side
/// only (<see cref="FactText.IsNegated"/>, or an ending verb: <c>stopped</c>, <c>quit</c>) → contradicts; otherwise relates-to. Not thread-safe; <see cref="Notes.NoteKeeper"/> serialises access per cube.
/// </summary>
/// <remarks>
/// Re-indexing a note (every update and evolution does) appends a new entry and leaves the old one dead in the posting
/// lists; once the dead entries outnumber the indexed notes the index is rebuilt from the indexed ones, in their order,
/// so memory and query cost follow the notes a cube holds rather than the writes it has seen, and the suggestions
/// (ties break by indexing order) are the same as before the rebuild.
/// </remarks>
public sealed class NoteLinker
{
    /// <summary>Dead entries tolerated below this however small the index, so tiny cubes do not rebuild on every write.</summary>
    internal const int CompactionMinimum = 64;

    /// <summary>
    /// A feature held by more notes than this, and by more than one in <see cref="CommonShare"/>, makes no note a link
    /// candidate (see <see cref="Suggest"/>); a cube of up to this many notes is scored in full.
    /// </summary>
    public const int CommonMinimum = 1000;

    /// <summary>The share of the notes (one in this many) beyond which a feature of a large cube is common (<see cref="CommonMinimum"/>).</summary>
    public const int CommonShare = 10;

    // Cues that a note negates what a neighbour says beyond the fact rules' negation words: "Bob stopped visiting" undoes
    // "Bob visits". The rest (not, any n't, never, no longer, ...) is FactText.IsNegated's, one rule for facts and notes.
    private static readonly string[] EndingVerbs = ["stopped", "quit"];
    private readonly Dictionary<string, List<int>> postings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> liveCounts = new(StringComparer.Ordinal);
    private readonly List<Entry> notes = [];
    private readonly Dictionary<MemoryId, int> slots = [];

    /// <summary>Notes indexed.</summary>
    public int Count => slots.Count;

    /// <summary>Entries held, the indexed notes and the dead ones a rebuild has not dropped yet (for tests).</summary>
    internal int EntryCount => notes.Count;

    /// <summary>Posting entries <see cref="Suggest"/> has read (for tests: what a suggestion costs).</summary>
    internal long PostingsRead { get; private set; }

    /// <summary>Indexes (or re-indexes) <paramref name="item"/> by its keywords and tags.</summary>
    public void Index(MemoryItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        Remove(item.Id);
        var features = Features(item.Keywords, item.Tags);
        int slot = notes.Count;
        notes.Add(new Entry(item.Id, item.Version, item.Provenance.Actor, features, HasNegation(item.Text), Linkable(item.State)));
        slots[item.Id] = slot;
        Post(slot);
    }

    /// <summary>
    /// Brings the index in step with <paramref name="item"/> as the store holds it now: re-indexed when linkable (active or
    /// frozen, see <see cref="Linkable"/>) and not indexed at this version already (the keeper indexes its own writes as it
    /// plans them), removed otherwise.
    /// </summary>
    public void Apply(MemoryItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (!Linkable(item.State))
        {
            Remove(item.Id);
        }
        else if (!slots.TryGetValue(item.Id, out int slot) || notes[slot].Version != item.Version || !notes[slot].Live)
        {
            Index(item);
        }
    }

    /// <summary>
    /// Whether a note in <paramref name="state"/> may be linked to: an active one, and a frozen one, which is live and
    /// searched (pinned, often what matters most); only its back-link, a new version of it, is refused by the store.
    /// Deleted, archived and superseded notes get no new links.
    /// </summary>
    internal static bool Linkable(LifecycleState state) => state is LifecycleState.Active or LifecycleState.Frozen;

    /// <summary>Stops linking to <paramref name="id"/> (deleted, archived or superseded notes get no new links).</summary>
    public void Remove(MemoryId id)
    {
        if (slots.Remove(id, out int slot) && notes[slot].Live)
        {
            notes[slot] = notes[slot] with { Live = false };
            foreach (string f in notes[slot].Features)
            {
                liveCounts[f]--;
            }
        }

        CompactIfDue();
    }

    /// <summary>
    /// Up to <paramref name="max"/> links for a note with these attributes, best first, each with its type, a weight in (0, 1]
    /// and the reason (what the notes share). Only candidates scoring at least <paramref name="minScore"/> (summed IDF) qualify.
    /// </summary>
    /// <remarks>
    /// The cost follows the notes that share the note's rarer features, not the cube: the features' posting lists are read
    /// rarest first, and reading stops once the features not read yet could not, all together, lift a note not met yet
    /// into the suggestions. In a cube of more than <see cref="CommonMinimum"/> notes a feature held by more than one note
    /// in <see cref="CommonShare"/> and more than <see cref="CommonMinimum"/> notes ("user", "today", a coarse tag) is not
    /// read at all: it still counts towards the score of a note met through a rarer feature, but a note that shares nothing
    /// else is no candidate (such a link says little, and reading those lists made linking a cube quadratic).
    /// </remarks>
    public IReadOnlyList<MemoryLink> Suggest(string text, string? actor, IReadOnlyList<string> keywords, IReadOnlyList<string> tags, int max, double minScore)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(keywords);
        ArgumentNullException.ThrowIfNull(tags);
        if (max <= 0 || slots.Count == 0)
        {
            return [];
        }

        var terms = Weigh(Features(keywords, tags));
        var best = Best(terms, max, minScore);
        if (best.Count == 0)
        {
            return [];
        }

        var shown = Display(keywords);
        bool negated = HasNegation(text);
        double top = best[0].Score;
        var links = new List<MemoryLink>(best.Count);
        foreach (var (slot, score) in best)
        {
            var other = notes[slot];
            var shared = terms.Where(t => other.Features.Contains(t.Feature)).Select(t => t.Feature).ToList();
            int sharedKeywords = shared.Count(f => !f.StartsWith('#'));
            string type = negated != other.Negated && sharedKeywords >= 2 ? LinkTypes.Contradicts
                : sharedKeywords >= 2 && actor is not null && string.Equals(actor, other.Actor, StringComparison.Ordinal) ? LinkTypes.Elaborates
                : LinkTypes.RelatesTo;
            string reason = "shares " + string.Join(", ", shared.Select(f => f.StartsWith('#') ? "tag " + f[1..] : shown.GetValueOrDefault(f, f)));
            links.Add(new MemoryLink(other.Id, type, Math.Round(Math.Clamp(score / top, 0.05, 1.0) * Math.Min(1.0, score / (2 * minScore)), 3), reason));
        }

        return links;
    }

    /// <summary>
    /// The features of a note that indexed notes hold, in the note's order, each with its weight: the smoothed IDF
    /// (ln((N+1)/df) + 1, so a tiny cube can still link), less for tags, which are coarse topics.
    /// </summary>
    private List<Term> Weigh(HashSet<string> features)
    {
        double n = slots.Count;
        var terms = new List<Term>(features.Count);
        foreach (string f in features)
        {
            int live = liveCounts.GetValueOrDefault(f);
            if (live > 0)
            {
                terms.Add(new Term(f, (Math.Log((n + 1) / live) + 1) * (f.StartsWith('#') ? 0.3 : 1.0), live));
            }
        }

        return terms;
    }

    /// <summary>
    /// The <paramref name="max"/> best notes scoring at least <paramref name="minScore"/>, best first (ties in indexing
    /// order), read through the posting lists of the rarer terms only (see <see cref="Suggest"/>).
    /// </summary>
    private List<(int Slot, double Score)> Best(List<Term> terms, int max, double minScore)
    {
        int common = Math.Max(CommonMinimum, slots.Count / CommonShare);
        var read = new bool[terms.Count];
        var met = new HashSet<int>();

        // The worst of the best so far on top, to be pushed out by a better one: lower score, or the same and indexed later.
        var kept = new PriorityQueue<int, (double Score, int Slot)>(Comparer<(double Score, int Slot)>.Create(
            (a, b) => a.Score != b.Score ? a.Score.CompareTo(b.Score) : b.Slot.CompareTo(a.Slot)));
        foreach (int t in Enumerable.Range(0, terms.Count).OrderByDescending(i => terms[i].Weight).ThenBy(i => i))
        {
            if (terms[t].Live > common)
            {
                continue;
            }

            // A note not met yet shares none of the terms read: the rest, common ones included, is the most it can score.
            // It has to reach the threshold, and once the suggestions are full, the worst of them (a tie may still win
            // by indexing order); the small slack keeps a sum taken in another order from stopping a read it needs.
            double rest = 0;
            for (int i = 0; i < terms.Count; i++)
            {
                rest += read[i] ? 0 : terms[i].Weight;
            }

            double bar = kept.Count == max && kept.TryPeek(out _, out var worst) ? worst.Score : minScore;
            if (rest * (1 + 1e-9) < bar)
            {
                break;
            }

            read[t] = true;
            foreach (int slot in postings[terms[t].Feature])
            {
                PostingsRead++;
                if (!notes[slot].Live || !met.Add(slot))
                {
                    continue;
                }

                double score = Score(terms, notes[slot]);
                if (score < minScore)
                {
                    continue;
                }

                if (kept.Count < max)
                {
                    kept.Enqueue(slot, (score, slot));
                }
                else
                {
                    kept.EnqueueDequeue(slot, (score, slot));
                }
            }
        }

        var best = new List<(int Slot, double Score)>(kept.Count);
        while (kept.TryDequeue(out int slot, out var priority))
        {
            best.Add((slot, priority.Score));
        }

        best.Reverse();
        return best;
    }

    /// <summary>The summed weights of the terms <paramref name="entry"/> has, added in the note's order.</summary>
    private static double Score(List<Term> terms, Entry entry)
    {
        double score = 0;
        foreach (var term in terms)
        {
            if (entry.Features.Contains(term.Feature))
            {
                score += term.Weight;
            }
        }

        return score;
    }

    /// <summary>Rebuilds the entries and posting lists from the indexed notes once the dead entries outnumber them.</summary>
    private void CompactIfDue()
    {
        int dead = notes.Count - slots.Count;
        if (dead < CompactionMinimum || dead <= slots.Count)
        {
            return;
        }

        var kept = new List<Entry>(slots.Count);
        for (int i = 0; i < notes.Count; i++)
        {
            var entry = notes[i];
            if (slots.TryGetValue(entry.Id, out int slot) && slot == i)
            {
                slots[entry.Id] = kept.Count;
                kept.Add(entry);
            }
        }

        notes.Clear();
        notes.Capacity = Math.Max(kept.Count * 2, CompactionMinimum);
        notes.AddRange(kept);
        postings.Clear();
        liveCounts.Clear();
        for (int slot = 0; slot < notes.Count; slot++)
        {
            Post(slot);
        }
    }

    /// <summary>Adds the entry in <paramref name="slot"/> to the posting list of each of its features.</summary>
    private void Post(int slot)
    {
        var entry = notes[slot];
        foreach (string f in entry.Features)
        {
            if (!postings.TryGetValue(f, out var list))
            {
                postings[f] = list = [];
            }

            list.Add(slot);
            if (entry.Live)
            {
                liveCounts[f] = liveCounts.GetValueOrDefault(f) + 1;
            }
        }
    }

    /// <summary>Keyword stems (each word of a phrase, plus the phrase) and tags marked with '#'.</summary>
    private static HashSet<string> Features(IReadOnlyList<string> keywords, IReadOnlyList<string> tags)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (string k in keywords)
        {
            foreach (string w in k.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (w.Length > 2 && !EnglishStopWords.Contains(w))
                {
                    set.Add(PorterStemmer.Stem(w));
                }
            }
        }

        foreach (string t in tags)
        {
            set.Add("#" + t.ToLowerInvariant());
        }

        return set;
    }

    /// <summary>Stem → the word as the note wrote it, so reasons read "tahoe", not "taho".</summary>
    private static Dictionary<string, string> Display(IReadOnlyList<string> keywords)
    {
        var shown = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string w in keywords.SelectMany(k => k.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries)))
        {
            shown.TryAdd(PorterStemmer.Stem(w), w);
        }

        return shown;
    }

    private static bool HasNegation(string text) =>
        FactText.IsNegated(text) || FactText.Words(text).Any(w => EndingVerbs.Contains(w, StringComparer.Ordinal));

    private sealed record Entry(MemoryId Id, int Version, string? Actor, HashSet<string> Features, bool Negated, bool Live);

    /// <summary>A feature of the note a suggestion is for, its weight and how many indexed notes hold it.</summary>
    private readonly record struct Term(string Feature, double Weight, int Live);
}
