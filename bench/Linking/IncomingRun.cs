using System.Diagnostics;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;

/// <summary>
/// The incoming links of a memory (what the <c>memory_links</c> tool shows) on a cube of N memories: by scanning the cube
/// for links to it, as the tool did, beside <c>MemoryOS.GetIncomingLinksAsync</c> (the store's link-target index).
/// Both must find the same memories for every memory asked about.
/// </summary>
internal static class IncomingRun
{
    public static async Task<(double ScanMs, double IndexMs, int Linking)> MeasureAsync(MemoryOS memory, int size, int scans, int lookups)
    {
        await using var owned = memory.ConfigureAwait(false);
        var actor = new Scope("bench-" + Guid.NewGuid().ToString("N")[..12], "user");
        await memory.CreateCubeAsync(actor, "notes").ConfigureAwait(false);

        // Each memory links to up to 3 earlier ones, drawn with a skew (u²) towards the oldest, so some are hubs.
        var random = new Random(20261205);
        var ids = new List<MemoryId>(size);
        const int Batch = 500;
        for (int start = 0; start < size; start += Batch)
        {
            var drafts = new List<MemoryDraft>();
            for (int i = start; i < Math.Min(size, start + Batch); i++)
            {
                var targets = ids.Count == 0 ? [] : Enumerable.Range(0, random.Next(4)).Select(_ => ids[(int)(ids.Count * Math.Pow(random.NextDouble(), 2))]).Distinct().ToList();
                drafts.Add(new MemoryDraft($"note {i} about topic {random.Next(1000)}") { Links = [.. targets.Select(t => new MemoryLink(t, "relates-to"))] });
            }

            var outcomes = await memory.AddBatchAsync(actor, "notes", drafts).ConfigureAwait(false);
            ids.AddRange(outcomes.Select(o => o.Id));
        }

        var asked = Enumerable.Range(0, lookups).Select(_ => ids[random.Next(ids.Count)]).ToArray();
        int linking = 0;
        var clock = Stopwatch.StartNew();
        foreach (var id in asked)
        {
            linking += (await memory.GetIncomingLinksAsync(actor, id).ConfigureAwait(false)).Count;
        }

        double indexMs = clock.Elapsed.TotalMilliseconds / lookups;

        var scanTime = TimeSpan.Zero;
        foreach (var id in asked.Take(scans))
        {
            clock.Restart();
            var scanned = new List<MemoryId>();
            await foreach (var other in memory.ListAsync(actor, "notes").ConfigureAwait(false))
            {
                if (other.Id != id && other.Links.Any(l => l.Target == id))
                {
                    scanned.Add(other.Id);
                }
            }

            scanTime += clock.Elapsed;
            var indexed = (await memory.GetIncomingLinksAsync(actor, id).ConfigureAwait(false)).Select(i => i.Source.Id).ToList();
            if (!scanned.SequenceEqual(indexed))
            {
                throw new InvalidOperationException($"memory {id}: the scan found {scanned.Count} linking memories, the index {indexed.Count}");
            }
        }

        double scanMs = scanTime.TotalMilliseconds / Math.Min(scans, lookups);
        return (scanMs, indexMs, linking);
    }
}
