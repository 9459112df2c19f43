using AgentMem.Benchmarks.Datasets;
using AgentMem.Benchmarks.Workload;

namespace AgentMem.Cli.Commands;

/// <summary>
/// <c>bench workload</c>: the agent's add-then-search loop on one growing cube (Benchmarks' <see cref="WorkloadRunner"/>),
/// default engine beside the full-rebuild reference. This host composes the engines and launches the cold probes.
/// </summary>
internal static class WorkloadBenchCommand
{
    public static Command Create(Verbs verbs)
    {
        var defaults = new WorkloadOptions();
        var dataset = new Option<string>("--dataset") { Description = "LoCoMo file whose turns are replayed and whose questions are the queries.", DefaultValueFactory = _ => Path.Combine("..", "shared", "datasets", "locomo", "locomo10.json") };
        var sizes = new Option<string>("--sizes") { Description = "Cube sizes to measure at, ascending, comma-separated.", DefaultValueFactory = _ => string.Join(",", defaults.Sizes) };
        var iterations = new Option<int>("--iterations") { Description = "Measured add-then-search rounds, and steady searches, per size.", DefaultValueFactory = _ => defaults.Iterations };
        var referenceMax = new Option<int>("--reference-max") { Description = "Run the full-rebuild reference at the sizes up to this one (0: not at all).", DefaultValueFactory = _ => defaults.ReferenceMax };
        var referenceIterations = new Option<int>("--reference-iterations") { Description = "Measured rounds per size for the reference (each search after a write rebuilds the cube).", DefaultValueFactory = _ => defaults.ReferenceIterations };
        var coldProbes = new Option<int>("--cold-probes") { Description = "Fresh processes timed per size for the cold columns (the median is reported).", DefaultValueFactory = _ => defaults.ColdProbes };
        var batch = new Option<int>("--batch") { Description = "Memories per batch add while the cube grows between sizes.", DefaultValueFactory = _ => defaults.BatchSize };
        var k = new Option<int>("--k") { Description = "Results asked for by every search.", DefaultValueFactory = _ => defaults.K };
        var minChars = new Option<int>("--min-chars") { Description = "Replay only turns of at least this many characters (e.g. 1500 for a cube of long texts).", DefaultValueFactory = _ => 0 };
        var work = new Option<string?>("--work") { Description = "Folder for the engines' database files, kept afterwards (default: a temporary folder, deleted)." };
        var json = new Option<string?>("--json") { Description = "Write the result as JSON to this file." };
        var postgres = new Option<string?>("--postgres") { Description = "Also run every engine on this PostgreSQL server (a postgresql:// URI), after SQLite, in the same table: each engine gets a database of its own there, created and dropped (the role needs CREATEDB)." };
        return verbs.Create("workload", "Add-then-search workload on one growing cube: add and search-after-write latency, steady search, cold first search in a new process, resident memory per memory; default engine beside the full-rebuild reference.", [
            dataset, sizes, iterations, referenceMax, referenceIterations, coldProbes, batch, k, minChars, work, json, postgres,
        ], async (ctx, parse, ct) =>
        {
            if (parse.GetValue(json) is { } jsonOut)
            {
                Parsing.OutputFile(ctx, jsonOut, "--json", (dataset.Name, parse.GetValue(dataset))); // before the run, not after it: never over the database or the dataset
            }

            var states = new System.Runtime.CompilerServices.ConditionalWeakTable<AgentMem.MemoryCore.MemoryOS, Retrieval.State.RetrievalState>();
            var host = ctx with { EmbedInBackground = true, BuildAnnInBackground = true };
            var options = new WorkloadOptions
            {
                Sizes = Parsing.PositiveIntegers(parse.GetValue(sizes)!, "--sizes", "1000,10000,100000", digitSeparators: true),
                Iterations = parse.GetValue(iterations),
                ReferenceMax = parse.GetValue(referenceMax),
                ReferenceIterations = parse.GetValue(referenceIterations),
                ColdProbes = parse.GetValue(coldProbes),
                BatchSize = parse.GetValue(batch),
                K = parse.GetValue(k),
                MinTurnChars = parse.GetValue(minChars),
                WorkDirectory = parse.GetValue(work),
                Stores = parse.GetValue(postgres) is { } server ? [WorkloadStore.SqliteFile, PostgresStore(server)] : [WorkloadStore.SqliteFile],
                Open = (db, hybrid) =>
                {
                    // A model embedder works as the service runs it: adds return at once, vectors follow in the background.
                    // Of the runner's options only the engine's switch is taken; the rest is the CLI's, as in the cold probe.
                    var memory = host.Compose(StoreLocation.Parse(db), WorkloadProbeCommand.EngineHybrid(host, hybrid.RebuildOnWrite), out var state);
                    states.Add(memory, state);
                    return memory;
                },
                Settle = (memory, token) => states.TryGetValue(memory, out var state) ? state.WaitForIndexesAsync(token) : Task.CompletedTask,
                DrainEmbeddings = ctx.Embedder.IsSentenceModel ? DrainAsync : null,
                Release = memory =>
                {
                    if (states.TryGetValue(memory, out var state))
                    {
                        state.Clear();
                    }

                    return Task.CompletedTask;
                },
                ColdProbe = WorkloadProbeLauncher.For(host),
            };

            async Task<long> DrainAsync(AgentMem.MemoryCore.MemoryOS memory, CancellationToken token)
            {
                if (!states.TryGetValue(memory, out var state))
                {
                    return 0;
                }

                await state.WaitForEmbeddingsAsync(token);
                return state.BackgroundEmbedded;
            }

            Verb.Validate(options.Validate);

            string path = parse.GetValue(dataset)!;
            ctx.Output.Notice($"[grey]loading {TerminalText.Escape(path)}[/]");
            var data = await LocomoLoader.LoadAsync(path, ct);
            var environment = RunEnvironment.Describe();
            string embedder = ctx.Embedder.Kind + (ctx.Embedder.Model is { } m ? " " + m : string.Empty);
            environment["embedder"] = embedder;
            environment["stores"] = string.Join(", ", options.Stores.Select(s => s.Name));
            environment["composition"] = "each store as --db opens it, DefaultRetrievers (hybrid first, with the CLI's hybrid settings and --reranker) as the service composes them (a model embedder embeds in the background); engines differ only in HybridOptions.RebuildOnWrite; the cold probe composes the same";

            var result = await BenchCommand.WithProgressAsync(ctx.Output, (progress, token) => new WorkloadRunner(options).RunAsync(data, environment, progress, token), ct);
            if (ctx.Output.IsJson)
            {
                ctx.Output.Out.Write(WorkloadJsonWriter.Render(result) + "\n");
            }
            else
            {
                ctx.Output.Out.Write($"Workload: {Path.GetFileName(data.SourcePath)} turns replayed into one cube, its questions as queries, k {options.K}; embedder {embedder}\n\n");
                ctx.Output.Out.Write(WorkloadTable.Format(result));
            }

            ctx.Output.Out.Flush();
            if (parse.GetValue(json) is { } jsonPath)
            {
                WorkloadJsonWriter.Write(jsonPath, result);
                ctx.Output.Notice($"[grey]wrote {TerminalText.Escape(Path.GetFullPath(jsonPath))}[/]");
            }

            return 0;
        });
    }

    /// <summary>A database per engine on a PostgreSQL server (<see cref="ScratchDatabases"/>).</summary>
    private static WorkloadStore PostgresStore(string uri)
    {
        var server = ScratchDatabases.Server(uri);
        string run = Guid.NewGuid().ToString("N")[..8];
        return new WorkloadStore(
            "postgres",
            async (engine, _, ct) => (await ScratchDatabases.CreateAsync(server, "workload", run, engine, ct)).ConnectionString,
            (db, ct) => ScratchDatabases.DropAsync(PostgresLocation.FromUri(db), ct));
    }
}
