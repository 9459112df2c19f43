using System.Diagnostics;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;

/// <summary>Grows a tenant, then times one erasure of a given number of its memories.</summary>
internal static class Tenant
{
    private const int Batch = 500;

    /// <summary>
    /// For each erasure (a purge of the memories, a forget of their author, a delete of the cube holding them): a fresh
    /// memory system from <paramref name="open"/>, <paramref name="background"/> memories another user keeps, then
    /// <paramref name="erased"/> memories to erase, each updated once (a version and an audit detail), one in ten linked
    /// from a neighbour whose update reason names it, as note evolution writes. Returns the erasure's wall time.
    /// </summary>
    public static async Task<List<(string Operation, double Seconds, int Erased)>> MeasureAsync(Func<Task<MemoryOS>> open, int background, int erased)
    {
        var results = new List<(string, double, int)>();
        foreach (string operation in new[] { "purge", "forget user", "delete cube" })
        {
            var memory = await open().ConfigureAwait(false);
            await using (memory.ConfigureAwait(false))
            {
                var owner = new Scope("t" + Guid.NewGuid().ToString("N")[..12]);
                var victor = new Scope(owner.Tenant, "victor");
                var ursula = new Scope(owner.Tenant, "ursula");
                string cube = operation == "delete cube" ? "doomed" : "shared";
                await memory.CreateCubeAsync(owner, "shared").ConfigureAwait(false);
                await memory.CreateCubeAsync(owner, "doomed").ConfigureAwait(false);
                await AddAsync(memory, victor, "shared", background, i => $"victor note {i} about the garden and the weather").ConfigureAwait(false);
                var ids = await AddAsync(memory, ursula, cube, erased, i => $"ursula note {i} about cats and the vault").ConfigureAwait(false);
                for (int i = 0; i < ids.Count; i++)
                {
                    await memory.UpdateAsync(ursula, ids[i], new MemoryChange { Importance = 0.7, Reason = $"reweighed note {i} about the vault" }).ConfigureAwait(false);
                    if (i % 10 == 0)
                    {
                        var neighbour = await memory.AddAsync(victor, "shared", new MemoryDraft($"victor's neighbour note {i}")).ConfigureAwait(false);
                        await memory.UpdateAsync(victor, neighbour.Id, new MemoryChange
                        {
                            Links = [new MemoryLink(ids[i], "related", 0.8, "shares vault")],
                            Reason = $"evolved: linked from {ids[i]} (related; shares vault)",
                        }).ConfigureAwait(false);
                    }
                }

                var watch = Stopwatch.StartNew();
                int done = operation switch
                {
                    "purge" => (await memory.PurgeManyAsync(ursula, ids, "benchmark").ConfigureAwait(false)).Purged.Count,
                    "forget user" => (await memory.ForgetUserAsync(owner, "ursula").ConfigureAwait(false)).Written,
                    _ => await memory.DeleteCubeAsync(owner, cube).ConfigureAwait(false),
                };
                double seconds = watch.Elapsed.TotalSeconds;
                if (done != erased)
                {
                    throw new InvalidOperationException($"{operation} erased {done} memories, expected {erased}.");
                }

                results.Add((operation, seconds, erased));
            }
        }

        return results;
    }

    private static async Task<List<MemoryId>> AddAsync(MemoryOS memory, Scope actor, string cube, int count, Func<int, string> text)
    {
        var ids = new List<MemoryId>(count);
        for (int start = 0; start < count; start += Batch)
        {
            var drafts = Enumerable.Range(start, Math.Min(Batch, count - start)).Select(i => new MemoryDraft(text(i))).ToList();
            foreach (var outcome in await memory.AddBatchAsync(actor, cube, drafts).ConfigureAwait(false))
            {
                ids.Add(outcome.Id);
            }
        }

        return ids;
    }
}
