using AgentMem.Retrieval.Hybrid;

namespace AgentMem.Benchmarks.Workload;

/// <summary>Options of the workload benchmark (<see cref="WorkloadRunner"/>), with the defaults the CLI uses.</summary>
public sealed class WorkloadOptions
{
    /// <summary>Cube sizes to measure at, ascending; one cube grows through all of them.</summary>
    public IReadOnlyList<int> Sizes { get; set; } = [1_000, 10_000, 100_000];

    /// <summary>Measured add-then-search rounds (and steady searches) per size for the default engine.</summary>
    public int Iterations { get; set; } = 200;

    /// <summary>The full-rebuild reference runs at the sizes up to this one; 0 leaves it out.</summary>
    public int ReferenceMax { get; set; } = 10_000;

    /// <summary>Measured rounds per size for the reference, fewer because each of its searches after a write rebuilds the cube.</summary>
    public int ReferenceIterations { get; set; } = 30;

    /// <summary>Memories per <see cref="MemoryOS.AddBatchAsync"/> call while the cube grows between sizes.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>Shortest turn replayed, in characters (default 0: every turn); e.g. 1,500 makes a cube of long texts only.</summary>
    public int MinTurnChars { get; set; }

    /// <summary>Results asked for by every search.</summary>
    public int K { get; set; } = 10;

    /// <summary>Tenant the benchmark writes in.</summary>
    public string Tenant { get; set; } = "bench";

    /// <summary>Name of the benchmark's cube (the same in every engine's database).</summary>
    public string CubeName { get; set; } = "workload";

    /// <summary>Folder for the engines' database files, kept afterwards; null for a temporary folder deleted at the end.</summary>
    public string? WorkDirectory { get; set; }

    /// <summary>
    /// The store engines to run on, each with every engine of <see cref="Plan"/> (default: a SQLite file). With more than
    /// one, rows are labelled with the store's name and the stores run one after the other in this order.
    /// </summary>
    public IReadOnlyList<WorkloadStore> Stores { get; set; } = [WorkloadStore.SqliteFile];

    /// <summary>
    /// Opens a memory facade over a new database (a location one of <see cref="Stores"/> made) with the given hybrid options: the host composes (store, embedder,
    /// retrievers) exactly as it does for its users, so the benchmark measures that composition.
    /// </summary>
    public Func<string, HybridOptions, MemoryOS>? Open { get; set; }

    /// <summary>
    /// Called after the cube has grown to a size and before the timed rounds: the host lets background index work (an
    /// ANN build the growth triggered) finish, so the rounds measure the steady state rather than the build. Null: none.
    /// </summary>
    public Func<MemoryOS, CancellationToken, Task>? Settle { get; set; }

    /// <summary>
    /// With an embedder that works in the background: waits until no memory of the engine waits for a vector and returns
    /// how many the queue has embedded so far (a running total). The runner times it after each growth and reports the
    /// drain; the timed rounds then start with every vector in place. It is also called, untimed, before each growth after
    /// the first, so the memories of the rounds before are embedded and counted apart. Null: no background embedder.
    /// </summary>
    public Func<MemoryOS, CancellationToken, Task<long>>? DrainEmbeddings { get; set; }

    /// <summary>
    /// Called before the cold probe: the host closes what this process holds open (persisted indexes are owned by one
    /// process at a time), as a restart would. Null: none.
    /// </summary>
    public Func<MemoryOS, Task>? Release { get; set; }

    /// <summary>
    /// Opens the database in a fresh process and times open and first search there (a restart); null skips the cold
    /// columns. The host owns process launching; the benchmark only asks.
    /// </summary>
    public Func<ColdProbeRequest, CancellationToken, Task<ColdProbeResult>>? ColdProbe { get; set; }

    /// <summary>Fresh processes per size for the cold columns: the median is reported, every sample kept (one process is at the mercy of the machine's noise).</summary>
    public int ColdProbes { get; set; } = 3;

    /// <summary>The engines to run and, for each, its sizes and measured rounds.</summary>
    /// <returns>The default engine at every size, then the reference at the sizes up to <see cref="ReferenceMax"/>.</returns>
    internal IReadOnlyList<(WorkloadEngine Engine, IReadOnlyList<int> Sizes, int Iterations)> Plan()
    {
        var plan = new List<(WorkloadEngine, IReadOnlyList<int>, int)> { (WorkloadEngine.Default, Sizes, Iterations) };
        var referenceSizes = Sizes.Where(s => s <= ReferenceMax).ToList();
        if (referenceSizes.Count > 0)
        {
            plan.Add((WorkloadEngine.FullRebuild, referenceSizes, ReferenceIterations));
        }

        return plan;
    }

    /// <summary>Throws <see cref="ArgumentException"/> for settings that cannot work.</summary>
    public void Validate()
    {
        if (Open is null)
        {
            throw new ArgumentException("The host must say how to open a memory facade (Open).", nameof(Open));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(MinTurnChars, nameof(MinTurnChars));
        ArgumentNullException.ThrowIfNull(Stores, nameof(Stores));
        if (Stores.Count == 0 || Stores.Any(s => s is null) || Stores.Select(s => s.Name).Distinct(StringComparer.Ordinal).Count() != Stores.Count)
        {
            throw new ArgumentException("Give at least one store, each with its own name.", nameof(Stores));
        }

        ArgumentNullException.ThrowIfNull(Sizes, nameof(Sizes));
        if (Sizes.Count == 0)
        {
            throw new ArgumentException("Give at least one size.", nameof(Sizes));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(Iterations, 1, nameof(Iterations));
        ArgumentOutOfRangeException.ThrowIfLessThan(ReferenceIterations, 1, nameof(ReferenceIterations));
        ArgumentOutOfRangeException.ThrowIfLessThan(ColdProbes, 1, nameof(ColdProbes));
        ArgumentOutOfRangeException.ThrowIfNegative(ReferenceMax, nameof(ReferenceMax));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(K, 1, nameof(K));
        ArgumentException.ThrowIfNullOrWhiteSpace(Tenant, nameof(Tenant));
        ArgumentException.ThrowIfNullOrWhiteSpace(CubeName, nameof(CubeName));
        foreach (var (engine, sizes, iterations) in Plan())
        {
            // The cube only grows: each size must leave room for its measured rounds above the previous one.
            int previous = 0;
            foreach (int size in sizes)
            {
                if (size - iterations < previous)
                {
                    throw new ArgumentException(
                        $"Sizes must ascend with at least the measured rounds ({iterations} for {engine.Name}) between them, the first at least that large; {size} does not.",
                        nameof(Sizes));
                }

                previous = size;
            }
        }
    }
}
