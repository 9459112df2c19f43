using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Links;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Notes;

/// <summary>
/// A cube linked note by note, as the <c>linking</c> job and <c>NoteKeeper.AddAsync</c> grow it: each of N notes asks for
/// its links (3 at most, the default threshold 4) and is then indexed. The texts are agent memories that share their
/// everyday words ("The user mentioned ... today at home.") and differ in three words of a 3,000-word vocabulary; their
/// keywords and tags come from <see cref="RuleNoteExtractor"/> beside the memory's own tag <c>fact</c>. A checksum of every
/// suggestion (targets, types, weights, reasons) shows whether two builds suggest the same links.
/// </summary>
internal static class GrowthRun
{
    private static readonly DateTimeOffset At = new(2026, 12, 5, 0, 0, 0, TimeSpan.Zero);

    public static (double Seconds, double CpuSeconds, int Links, string Checksum) Measure(int count)
    {
        var random = new Random(20261205);
        string[] vocabulary = [.. Enumerable.Range(0, 3000).Select(Word)];
        var extractor = new RuleNoteExtractor();
        var notes = new MemoryItem[count];
        for (int i = 0; i < count; i++)
        {
            string text = $"The user mentioned {vocabulary[random.Next(3000)]} and {vocabulary[random.Next(3000)]} with {vocabulary[random.Next(3000)]} today at home.";
            var attributes = extractor.Extract(new NoteInput(text, "user", At));
            notes[i] = new MemoryItem
            {
                Id = MemoryId.NewId(At),
                CubeId = "cube",
                Scope = new Scope("bench", "user"),
                Text = text,
                ContentHash = "h",
                Provenance = new Provenance(SourceKind.Conversation, null, "user", At),
                Keywords = attributes.Keywords,
                Tags = ["fact", .. attributes.Tags.Where(t => t != "fact")],
                UpdatedAt = At,
            };
        }

        var linker = new NoteLinker();
        var position = notes.Select((n, i) => (n.Id, i)).ToDictionary();
        var suggested = new StringBuilder();
        int links = 0;
        // The processor time of this (single-threaded) loop beside the wall clock: on a shared machine the first is what
        // the work costs, the second also what other processes took.
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        foreach (var note in notes)
        {
            foreach (var link in linker.Suggest(note.Text, note.Provenance.Actor, note.Keywords, note.Tags, 3, 4.0))
            {
                links++;
                suggested.Append(CultureInfo.InvariantCulture, $"{position[link.Target]} {link.Type} {link.Weight:R} {link.Reason}\n");
            }

            linker.Index(note);
        }

        double seconds = clock.Elapsed.TotalSeconds;
        double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        return (seconds, cpuSeconds, links, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(suggested.ToString())))[..12]);
    }

    /// <summary>A made-up word of letters only ("vobac"), so the extractor takes it whole as a keyword.</summary>
    private static string Word(int i) => "vo" + (char)('a' + (i / 676)) + (char)('a' + (i / 26 % 26)) + (char)('a' + (i % 26));
}
