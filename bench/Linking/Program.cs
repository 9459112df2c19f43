using System.Diagnostics;
using System.Globalization;
using AgentMem.Bench;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Links;
using AgentMem.MemoryCore.Model;

// The note-linking index of a cube lives as long as its NoteKeeper and is re-indexed on every update and every evolution
// of a neighbour. This harness rewrites each of N notes R times (one keyword changed each time, as evolution does) and
// then measures the heap the index holds and the time of a link suggestion, beside an index built fresh from the same
// current notes in the same run: the fresh one is what the long-lived one should cost. With --grow, a table times
// linking a cube note by note (see GrowthRun). A last table times finding a memory's incoming links on SQLite (and
// PostgreSQL with --postgres), see IncomingRun.
if (HarnessArguments.ParseOrReport(() => LinkingOptions.Parse(args)) is not { } options)
{
    return 2;
}

HarnessReport.PrintHeader("Note-linking index after rewrites", "Linking", args);
if (options.Rewrites.Count > 0)
{
    Console.WriteLine();
    Console.WriteLine("| notes | rewrites per note | rewrite µs/op | heap MB (long-lived) | heap MB (fresh) | heap ratio | suggest µs (long-lived) | suggest µs (fresh) | time ratio |");
    Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    foreach (int rewrites in options.Rewrites)
    {
        var row = LinkingRun.Measure(options.Notes, rewrites, options.Queries);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {options.Notes:N0} | {rewrites} | {row.RewriteMicros:F2} | {row.LongLivedMb:F1} | {row.FreshMb:F1} | {row.LongLivedMb / row.FreshMb:F2} | {row.LongLivedSuggestMicros:F0} | {row.FreshSuggestMicros:F0} | {row.LongLivedSuggestMicros / row.FreshSuggestMicros:F2} |"));
    }
}

if (options.Grow.Count > 0)
{
    Console.WriteLine();
    Console.WriteLine("## A cube linked note by note: suggest, then index, for each note");
    Console.WriteLine();
    Console.WriteLine("| notes | seconds | CPU seconds | CPU µs per note | links suggested | checksum |");
    Console.WriteLine("|---:|---:|---:|---:|---:|---|");
    foreach (int size in options.Grow)
    {
        var (seconds, cpuSeconds, links, checksum) = GrowthRun.Measure(size);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {size:N0} | {seconds:F2} | {cpuSeconds:F2} | {cpuSeconds * 1e6 / size:F0} | {links:N0} | {checksum} |"));
    }
}

if (options.CubeSizes.Count > 0)
{
    Console.WriteLine();
    Console.WriteLine("## Incoming links of a memory: a scan of the cube beside the link-target index");
    Console.WriteLine();
    Console.WriteLine("| backend | memories | linking found (lookups) | scan ms/lookup | index ms/lookup | ratio |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|");
    foreach (int size in options.CubeSizes)
    {
        await BenchMemory.OnEachBackendAsync(options.Postgres, (backend, memory) => PrintIncomingAsync(backend, memory, size)).ConfigureAwait(false);
    }
}

HarnessReport.PrintFooter();
return 0;

static async Task PrintIncomingAsync(string backend, MemoryOS memory, int size)
{
    const int Lookups = 200, Scans = 10;
    var (scanMs, indexMs, linking) = await IncomingRun.MeasureAsync(memory, size, Scans, Lookups).ConfigureAwait(false);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {backend} | {size:N0} | {linking:N0} ({Lookups}) | {scanMs:F1} | {indexMs:F2} | {scanMs / indexMs:F0}× |"));
}

/// <summary>Sizes of the run: <c>[notes] [--rewrites 0,5,20] [--queries 2000] [--grow 2000,8000] [--cube-sizes 1000,10000] [--postgres URI]</c>.</summary>
internal sealed record LinkingOptions(int Notes, IReadOnlyList<int> Rewrites, int Queries, IReadOnlyList<int> Grow, IReadOnlyList<int> CubeSizes, string? Postgres)
{
    private const string Usage = "usage: [notes] [--rewrites 0,5,20 (none: none)] [--queries 2000] [--grow 2000,8000 (default: none)] [--cube-sizes 1000,10000 (none: 0)] [--postgres URI]";

    public static LinkingOptions Parse(string[] args)
    {
        int notes = 10_000, queries = 2_000;
        IReadOnlyList<int> rewrites = [0, 5, 20], grow = [], cubeSizes = [1_000, 10_000];
        string? postgres = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rewrites" when i + 1 < args.Length:
                    rewrites = args[++i] == "none" ? [] : [.. args[i].Split(',').Select(s => Whole(s, "--rewrites", allowZero: true))];
                    break;
                case "--grow" when i + 1 < args.Length:
                    grow = [.. args[++i].Split(',').Select(s => Whole(s, "--grow", allowZero: false))];
                    break;
                case "--queries" when i + 1 < args.Length:
                    queries = Whole(args[++i], "--queries", allowZero: false);
                    break;
                case "--cube-sizes" when i + 1 < args.Length:
                    cubeSizes = args[++i] == "0" ? [] : [.. args[i].Split(',').Select(s => Whole(s, "--cube-sizes", allowZero: false))];
                    break;
                case "--postgres" when i + 1 < args.Length:
                    postgres = args[++i];
                    break;
                default:
                    notes = Whole(args[i], "notes", allowZero: false);
                    break;
            }
        }

        return new LinkingOptions(notes, rewrites, queries, grow, cubeSizes, postgres);
    }

    private static int Whole(string text, string name, bool allowZero) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && (value > 0 || (allowZero && value == 0))
            ? value
            : throw new ArgumentException($"{name} takes a {(allowZero ? "non-negative" : "positive")} whole number, not '{text}'; {Usage}");
}

/// <summary>One row: a long-lived index after the rewrites and a fresh one over the same notes.</summary>
internal static class LinkingRun
{
    private static readonly DateTimeOffset At = new(2026, 12, 5, 0, 0, 0, TimeSpan.Zero);

    public static (double RewriteMicros, double LongLivedMb, double FreshMb, double LongLivedSuggestMicros, double FreshSuggestMicros) Measure(int count, int rewrites, int queries)
    {
        // Keywords from a 3,000-term vocabulary drawn with a skewed frequency (u³), as the maintenance harness does,
        // so common keywords are shared by many notes and their posting lists are long.
        var random = new Random(20261205);
        string[] vocabulary = [.. Enumerable.Range(0, 3000).Select(i => "term" + i.ToString(CultureInfo.InvariantCulture))];
        string Word() => vocabulary[(int)(vocabulary.Length * Math.Pow(random.NextDouble(), 3))];
        var notes = Enumerable.Range(0, count).Select(_ => Note(MemoryId.NewId(At), [.. Enumerable.Range(0, 6).Select(_ => Word())], ["topic" + random.Next(20)])).ToArray();

        NoteLinker? longLived = new();
        foreach (var note in notes)
        {
            longLived.Index(note);
        }

        var clock = Stopwatch.StartNew();
        for (int r = 0; r < rewrites * count; r++)
        {
            int at = random.Next(count);
            var keywords = notes[at].Keywords.ToArray();
            keywords[random.Next(keywords.Length)] = Word();
            notes[at] = notes[at] with { Keywords = keywords };
            longLived.Index(notes[at]);
        }

        double rewriteMicros = rewrites == 0 ? 0 : clock.Elapsed.TotalMicroseconds / (rewrites * count);
        NoteLinker? fresh = new();
        foreach (var note in notes)
        {
            fresh.Index(note);
        }


        var asked = Enumerable.Range(0, queries).Select(_ => notes[random.Next(count)]).ToArray();
        double longLivedTime = 0, freshTime = 0;
        for (int round = 0; round < 2; round++) // the second round is measured; alternating halves share the machine's drift
        {
            longLivedTime = SuggestMicros(longLived!, asked);
            freshTime = SuggestMicros(fresh!, asked);
        }

        // Each index's heap: what a collection frees when it goes (the notes themselves stay referenced by the array).
        // The two are dropped from an array, not from locals, whose lifetime the JIT may stretch to the method's end.
        var held = new NoteLinker?[] { longLived, fresh };
        longLived = fresh = null;
        long both = HeapBytes();
        held[0] = null;
        long freshOnly = HeapBytes();
        held[1] = null;
        long none = HeapBytes();
        GC.KeepAlive(notes);
        long longLivedBytes = both - freshOnly, freshBytes = freshOnly - none;
        return (rewriteMicros, longLivedBytes / 1e6, freshBytes / 1e6, longLivedTime, freshTime);
    }

    private static double SuggestMicros(NoteLinker linker, MemoryItem[] asked)
    {
        int links = 0;
        var clock = Stopwatch.StartNew();
        foreach (var note in asked)
        {
            links += linker.Suggest(note.Text, note.Provenance.Actor, note.Keywords, note.Tags, 5, 2.0).Count;
        }

        if (links == 0)
        {
            throw new InvalidOperationException("no links suggested: the workload measures nothing");
        }

        return clock.Elapsed.TotalMicroseconds / asked.Length;
    }

    private static long HeapBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static MemoryItem Note(MemoryId id, IReadOnlyList<string> keywords, IReadOnlyList<string> tags) => new()
    {
        Id = id,
        CubeId = "cube",
        Scope = new Scope("bench", "user"),
        Text = "a note",
        ContentHash = "h",
        Provenance = new Provenance(SourceKind.Conversation, null, "user", At),
        Keywords = keywords,
        Tags = tags,
        UpdatedAt = At,
    };
}
