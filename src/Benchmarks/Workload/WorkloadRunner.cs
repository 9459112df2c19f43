using AgentMem.Common.Text;
using AgentMem.Benchmarks.Runner;
using AgentMem.MemoryCore.Cubes;

namespace AgentMem.Benchmarks.Workload;

/// <summary>
/// The conversation-shaped workload: one cube grows through the configured sizes from replayed dataset turns, and at each
/// size an agent's loop is measured through the public <see cref="MemoryOS"/> API: add one memory, search at once
/// (is the retrieval state following the store, and at what cost?), then searches with no write in between, a cold open
/// and first search in another process, and the resident memory the cube costs. Each engine gets its own fresh database.
/// </summary>
public sealed class WorkloadRunner
{
    private readonly WorkloadOptions options;

    /// <summary>Creates a runner; the options are validated here.</summary>
    /// <param name="options">Settings and the host's composition and probe.</param>
    public WorkloadRunner(WorkloadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.options = options;
    }

    /// <summary>Runs every engine at its sizes and returns the rows.</summary>
    /// <param name="dataset">Turns to replay and questions to search (LoCoMo).</param>
    /// <param name="hostManifest">Entries the host adds to the manifest (git commit, machine, embedder).</param>
    /// <param name="progress">Progress per phase (grow, rounds, steady searches, cold probe).</param>
    /// <param name="cancellationToken">Stops the run between operations; files are still cleaned up.</param>
    /// <returns>The rows and manifest.</returns>
    public async Task<WorkloadResult> RunAsync(BenchmarkDataset dataset, IReadOnlyDictionary<string, object?>? hostManifest = null, IProgress<BenchmarkProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (dataset.Questions.Count == 0)
        {
            throw new ArgumentException($"The dataset '{dataset.SourcePath}' has no questions to search with.", nameof(dataset));
        }

        bool keep = options.WorkDirectory is not null;
        string directory = Path.GetFullPath(options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), "agentmem-workload-" + Guid.NewGuid().ToString("N")[..8]));
        Directory.CreateDirectory(directory);
        var rows = new List<WorkloadRow>();
        try
        {
            foreach (var store in options.Stores)
            {
                foreach (var (engine, sizes, iterations) in options.Plan())
                {
                    string label = options.Stores.Count > 1 ? $"{store.Name} {engine.Name}" : engine.Name;
                    string database = await store.CreateAsync(engine.Name, directory, cancellationToken).ConfigureAwait(false);
                    try
                    {
                        var memory = options.Open!(database, engine.CreateHybridOptions());
                        try
                        {
                            await RunEngineAsync(memory, engine, label, sizes, iterations, dataset, database, rows, progress, cancellationToken).ConfigureAwait(false);
                        }
                        finally
                        {
                            await memory.DisposeAsync().ConfigureAwait(false);
                        }
                    }
                    finally
                    {
                        if (!keep)
                        {
                            await store.DeleteAsync(database, CancellationToken.None).ConfigureAwait(false);
                        }
                    }
                }
            }
        }
        finally
        {
            if (!keep)
            {
                TryDelete(directory);
            }
        }

        return new WorkloadResult(rows, Environment.ProcessId, BuildManifest(dataset, hostManifest, keep ? directory : null));
    }

    private async Task RunEngineAsync(MemoryOS memory, WorkloadEngine engine, string engineLabel, IReadOnlyList<int> sizes, int iterations, BenchmarkDataset dataset, string dbPath, List<WorkloadRow> rows, IProgress<BenchmarkProgress>? progress, CancellationToken ct)
    {
        // Both engines see the same memories and the same queries in the same order.
        var replay = new ConversationReplay(dataset, options.MinTurnChars);
        var queries = new QueryCycle(dataset);
        var scope = new Scope(options.Tenant);
        int k = options.K;

        // Replayed turns repeat, so content de-duplication would stop the cube from growing.
        var cube = await memory.CreateCubeAsync(scope, options.CubeName, policy: new CubePolicy { Deduplicate = false }, cancellationToken: ct).ConfigureAwait(false);

        // The baseline includes what an engine holds for an empty cube, so growth counts only what memories add.
        await memory.SearchAsync(scope, cube.Id, queries.Next(), k, cancellationToken: ct).ConfigureAwait(false);
        var (heapBefore, workingSetBefore) = Resident();

        long count = 0;
        long embeddedBefore = 0;
        foreach (int size in sizes)
        {
            string label = $"{engineLabel} {size.ToString("N0", CultureInfo.InvariantCulture)}";
            if (options.DrainEmbeddings is { } drainRounds && count > 0)
            {
                // The previous size's rounds added memories after its drain: embedded before this growth starts (off its
                // clock) and left out of its count, or this growth's Embedded and memories/s counted them as its own.
                embeddedBefore = await drainRounds(memory, ct).ConfigureAwait(false);
            }

            var grow = Stopwatch.StartNew();
            int growTarget = size - iterations;
            while (count < growTarget)
            {
                ct.ThrowIfCancellationRequested();
                int n = (int)Math.Min(options.BatchSize, growTarget - count);
                var batch = new MemoryDraft[n];
                for (int i = 0; i < n; i++)
                {
                    batch[i] = replay.Next();
                }

                await memory.AddBatchAsync(scope, cube.Id, batch, ct).ConfigureAwait(false);
                count += n;
                progress?.Report(new BenchmarkProgress($"grow {label}", (int)count, growTarget));
            }

            // The growth is the batched adds alone: the drain is reported on its own and settling is no write.
            double growMs = grow.Elapsed.TotalMilliseconds;
            EmbeddingDrain? drain = null;
            if (options.DrainEmbeddings is { } drainEmbeddings)
            {
                progress?.Report(new BenchmarkProgress($"embedding queue {label}", 0, 1));
                await memory.SearchAsync(scope, cube.Id, queries.Next(), k, cancellationToken: ct).ConfigureAwait(false);
                long embedded = await drainEmbeddings(memory, ct).ConfigureAwait(false);
                double drained = grow.Elapsed.TotalMilliseconds;
                drain = new EmbeddingDrain(drained - growMs, drained, embedded - embeddedBefore);
                progress?.Report(new BenchmarkProgress($"embedding queue {label}", 1, 1));
            }

            if (options.Settle is { } settle)
            {
                progress?.Report(new BenchmarkProgress($"settle {label}", 0, 1));
                await memory.SearchAsync(scope, cube.Id, queries.Next(), k, cancellationToken: ct).ConfigureAwait(false);
                await settle(memory, ct).ConfigureAwait(false);
                progress?.Report(new BenchmarkProgress($"settle {label}", 1, 1));
            }

            var adds = new List<double>(iterations);
            var afterWrite = new List<double>(iterations);
            int misses = 0;
            for (int round = 0; round < iterations; round++)
            {
                ct.ThrowIfCancellationRequested();

                // A run-unique token: replayed text has exact copies in the cube, and duplicate collapsing could then
                // legitimately return an older copy; the token makes the fresh-hit check about this memory alone.
                var draft = replay.Next();
                draft = draft with { Text = string.Create(CultureInfo.InvariantCulture, $"{draft.Text} [wl{replay.Produced:D7}]") };
                var watch = Stopwatch.StartNew();
                var added = await memory.AddAsync(scope, cube.Id, draft, ct).ConfigureAwait(false);
                adds.Add(watch.Elapsed.TotalMilliseconds);
                count++;

                string query = queries.Next();
                watch.Restart();
                await memory.SearchAsync(scope, cube.Id, query, k, cancellationToken: ct).ConfigureAwait(false);
                afterWrite.Add(watch.Elapsed.TotalMilliseconds);

                // Untimed: the state the timed search used must already hold the write. A long text is probed by its start (a
                // query is at most MemoryOSOptions.MaxQueryBytes, and its first passage is enough to find it).
                var fresh = await memory.SearchAsync(scope, cube.Id, Probe(draft.Text), k, cancellationToken: ct).ConfigureAwait(false);
                if (!fresh.Any(h => h.Item.Id == added.Id))
                {
                    misses++;
                }

                progress?.Report(new BenchmarkProgress($"add+search {label}", round + 1, iterations));
            }

            var steady = new List<double>(iterations);
            for (int i = 0; i < iterations; i++)
            {
                ct.ThrowIfCancellationRequested();
                string query = queries.Next();
                var watch = Stopwatch.StartNew();
                await memory.SearchAsync(scope, cube.Id, query, k, cancellationToken: ct).ConfigureAwait(false);
                steady.Add(watch.Elapsed.TotalMilliseconds);
                progress?.Report(new BenchmarkProgress($"steady search {label}", i + 1, iterations));
            }

            var stats = await memory.GetStatsAsync(scope, cube.Id, ct).ConfigureAwait(false);
            long memories = stats.ByState.TryGetValue(LifecycleState.Active, out long active) ? active : 0;
            var (heap, workingSet) = Resident();
            double perMemory = Math.Max(1, memories);

            ColdProbeResult? cold = null;
            var coldSamples = new List<ColdProbeResult>();
            if (options.ColdProbe is { } probe)
            {
                if (options.Release is { } release)
                {
                    await release(memory).ConfigureAwait(false);
                }

                // Probes only read: each finds the files the release left, as a restart would.
                for (int i = 0; i < options.ColdProbes; i++)
                {
                    progress?.Report(new BenchmarkProgress($"cold probe {label}", i, options.ColdProbes));
                    coldSamples.Add(await probe(new ColdProbeRequest(dbPath, options.Tenant, options.CubeName, queries.Next(), k, engine), ct).ConfigureAwait(false));
                }

                progress?.Report(new BenchmarkProgress($"cold probe {label}", options.ColdProbes, options.ColdProbes));
                cold = Median(coldSamples);
            }

            rows.Add(new WorkloadRow(
                engineLabel,
                size,
                memories,
                iterations,
                growMs,
                LatencySummary.FromSamples(afterWrite, adds),
                LatencySummary.FromSamples(steady, []),
                misses,
                cold,
                coldSamples.Select(c => c.OpenAndFirstSearchMs).ToList(),
                (heap - heapBefore) / perMemory,
                (workingSet - workingSetBefore) / perMemory) { Drain = drain });
        }
    }

    /// <summary>
    /// The median probe by open plus first search; for an even count the mean of the middle two (their times averaged, the
    /// faster one's process id and hits): the lower middle alone made two probes report the faster of them.
    /// </summary>
    private static ColdProbeResult Median(List<ColdProbeResult> samples)
    {
        var sorted = samples.OrderBy(c => c.OpenAndFirstSearchMs).ToList();
        var lower = sorted[(sorted.Count - 1) / 2];
        if (sorted.Count % 2 == 1)
        {
            return lower;
        }

        var upper = sorted[sorted.Count / 2];
        return lower with
        {
            OpenMs = (lower.OpenMs + upper.OpenMs) / 2,
            FirstSearchMs = (lower.FirstSearchMs + upper.FirstSearchMs) / 2,
            WallMs = (lower.WallMs + upper.WallMs) / 2,
        };
    }

    /// <summary>Managed heap and working set after a full, compacting collection that also returns free memory to the OS.</summary>
    private static (long Heap, long WorkingSet) Resident()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        long heap = GC.GetTotalMemory(forceFullCollection: true);
        return (heap, Environment.WorkingSet);
    }

    private Dictionary<string, object?> BuildManifest(BenchmarkDataset dataset, IReadOnlyDictionary<string, object?>? host, string? keptDirectory)
    {
        var manifest = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["dataset_kind"] = dataset.Name,
            ["dataset_file"] = Path.GetFileName(dataset.SourcePath),
            ["dataset_sha256"] = dataset.Sha256,
            ["sizes"] = string.Join(",", options.Sizes),
            ["iterations"] = options.Iterations,
            ["reference_engine"] = WorkloadEngine.FullRebuild.Name,
            ["reference_max"] = options.ReferenceMax,
            ["reference_iterations"] = options.ReferenceIterations,
            ["grow_batch_size"] = options.BatchSize,
            ["k"] = options.K,
            ["min_turn_chars"] = options.MinTurnChars,
            ["memories"] = "dataset turns replayed in order, every conversation in one cube; session ids '{conversation}/{session}', '#passN' from the second pass; de-duplication off",
            ["queries"] = "dataset questions' text, cycled",
            ["round"] = "AddAsync of one memory (timed), then SearchAsync of the next question (timed), then an untimed SearchAsync of the added text (its first 2,000 characters) that must return the added memory",
            ["resident"] = "GC heap and working set after an aggressive full collection, empty cube (after one search) to size, divided by memories",
            ["cold_probe"] = options.ColdProbe is null ? "skipped (no probe given by the host)" : "open + first search timed inside a new process on the same database file (OS page cache warm)",
            ["work_directory"] = keptDirectory,
        };
        if (host is not null)
        {
            foreach (var (key, value) in host)
            {
                manifest[key] = value;
            }
        }

        return manifest;
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary folder is harmless.
        }
        catch (UnauthorizedAccessException)
        {
            // Likewise.
        }
    }

    /// <summary>The dataset's questions, in order, again and again.</summary>
    /// <summary>The first 2,000 characters of <paramref name="text"/> (never half a surrogate pair).</summary>
    private static string Probe(string text) =>
        TextClip.Prefix(text, 2000).ToString();

    private sealed class QueryCycle(BenchmarkDataset dataset)
    {
        private int next;

        public string Next()
        {
            string question = dataset.Questions[next].Question;
            next = (next + 1) % dataset.Questions.Count;
            return question;
        }
    }
}
