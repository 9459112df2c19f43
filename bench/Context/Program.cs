using System.Diagnostics;
using System.Globalization;
using AgentMem.Bench;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.Retrieval.Context;

// An agent builds a token-budgeted context before every turn (MemoryAgent, the REST context endpoint, `agentmem
// context`). Once a cube outgrows the budget the context is the best search hits that fit, so a build should cost about
// one search. This harness fills cubes of N memories and times, per query, one context build beside one search of the
// same query on the same cube (the search is the reference: what the build cannot be cheaper than). As MemoryAgent does,
// the cube also holds two core memory blocks: each turn lists them (a tag filter) and the context leaves them out (so the
// build counts the memories carrying their tag).
if (HarnessArguments.ParseOrReport(() => ContextOptionsParser.Parse(args)) is not { } options)
{
    return 2;
}

HarnessReport.PrintHeader("Context build on growing cubes", "Context", args);
Console.WriteLine($"- budget {options.Budget} tokens, {options.Queries} queries per size, BM25 retriever");
Console.WriteLine();
Console.WriteLine("| backend | memories | search ms | context ms | context / search | core blocks ms | memories in context |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
foreach (int size in options.Sizes)
{
    await BenchMemory.OnEachBackendAsync(options.Postgres, (backend, memory) => PrintAsync(backend, memory, size, options)).ConfigureAwait(false);
}

HarnessReport.PrintFooter();
return 0;

static async Task PrintAsync(string backend, MemoryOS memory, int size, ContextRunOptions options)
{
    await using var owned = memory.ConfigureAwait(false);
    var actor = new Scope("bench-" + Guid.NewGuid().ToString("N")[..12], "user", "agent");
    await memory.CreateCubeAsync(actor, "chat").ConfigureAwait(false);
    var random = new Random(20261205);
    string[] topics = ["hiking", "painting", "the new job", "a trip to Lisbon", "the garden", "a concert", "the dog", "cooking"];
    for (int start = 0; start < size; start += 500)
    {
        var drafts = Enumerable.Range(start, Math.Min(500, size - start)).Select(i =>
            new MemoryDraft($"Turn {i}: we talked about {topics[random.Next(topics.Length)]} and {topics[random.Next(topics.Length)]}, day {random.Next(400)}.") { Session = "s" + (i / 20) }).ToList();
        await memory.AddBatchAsync(actor, "chat", drafts).ConfigureAwait(false);
    }

    const string BlockTag = "core-block"; // CoreMemoryBlocks' tag (Agents is not referenced here)
    await memory.AddBatchAsync(actor, "chat", [new MemoryDraft("persona: a patient travel agent") { Tags = [BlockTag, BlockTag + ":persona"] }, new MemoryDraft("human: Ann, likes hiking") { Tags = [BlockTag, BlockTag + ":human"] }]).ConfigureAwait(false);
    var blocks = new MemoryFilter { AnyTags = [BlockTag], User = actor.User, Agent = actor.Agent };
    string[] queries = [.. Enumerable.Range(0, options.Queries).Select(i => $"What did we say about {topics[i % topics.Length]} on day {random.Next(400)}?")];
    var context = new ContextOptions { TokenBudget = options.Budget, ExcludeTags = [BlockTag] };
    await memory.BuildContextAsync(actor, "chat", queries[0], context).ConfigureAwait(false); // warm: indexes and connections

    double searchMs = 0, contextMs = 0, blocksMs = 0;
    int included = 0;
    foreach (string query in queries)
    {
        var clock = Stopwatch.StartNew();
        int blockCount = await memory.ListAsync(actor, "chat", blocks).CountAsync().ConfigureAwait(false);
        blocksMs += clock.Elapsed.TotalMilliseconds;
        if (blockCount != 2)
        {
            throw new InvalidOperationException($"{blockCount} core blocks listed instead of 2");
        }

        clock.Restart();
        await memory.SearchAsync(actor, "chat", query, context.Candidates).ConfigureAwait(false);
        searchMs += clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        var built = await memory.BuildContextAsync(actor, "chat", query, context).ConfigureAwait(false);
        contextMs += clock.Elapsed.TotalMilliseconds;
        included += built.Memories.Count;
        if (built.CubeMemories != size)
        {
            throw new InvalidOperationException($"the context reports {built.CubeMemories} memories in a cube of {size}");
        }
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {backend} | {size:N0} | {searchMs / queries.Length:F1} | {contextMs / queries.Length:F1} | {contextMs / searchMs:F1} | {blocksMs / queries.Length:F2} | {(double)included / queries.Length:F0} |"));
}

/// <summary>Sizes of the run.</summary>
internal sealed record ContextRunOptions(IReadOnlyList<int> Sizes, int Budget, int Queries, string? Postgres);

/// <summary>Parses <c>[--sizes 1000,10000,50000] [--budget 2000] [--queries 20] [--postgres URI]</c>.</summary>
internal static class ContextOptionsParser
{
    private const string Usage = "usage: [--sizes 1000,10000,50000] [--budget 2000] [--queries 20] [--postgres URI]";

    public static ContextRunOptions Parse(string[] args)
    {
        IReadOnlyList<int> sizes = [1_000, 10_000, 50_000];
        int budget = 2_000, queries = 20;
        string? postgres = null;
        for (int i = 0; i < args.Length; i++)
        {
            string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value; {Usage}");
            switch (args[i++])
            {
                case "--sizes":
                    sizes = [.. value.Split(',').Select(v => Positive(v, "--sizes"))];
                    break;
                case "--budget":
                    budget = Positive(value, "--budget");
                    break;
                case "--queries":
                    queries = Positive(value, "--queries");
                    break;
                case "--postgres":
                    postgres = value;
                    break;
                default:
                    throw new ArgumentException($"unknown option '{args[i - 1]}'; {Usage}");
            }
        }

        return new ContextRunOptions(sizes, budget, queries, postgres);
    }

    private static int Positive(string text, string name) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value > 0
            ? value
            : throw new ArgumentException($"{name} takes a positive whole number, not '{text}'; {Usage}");
}
