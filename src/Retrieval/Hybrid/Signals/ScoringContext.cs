using AgentMem.MemoryCore.Search;
using AgentMem.Retrieval.State;

namespace AgentMem.Retrieval.Hybrid.Signals;

/// <summary>
/// One search in progress over one cube: the query, its analysed terms and vector, and per-slot score arrays that the
/// signal steps fill and the fusion combines. Every array has <see cref="Slots"/> entries, indexed by the cube's slots.
/// </summary>
internal sealed class ScoringContext
{
    private bool[]? allowed;

    public ScoringContext(CubeIndex cube, SearchRequest request, HybridOptions options, IReadOnlyList<string> terms, float[]? queryVector, DateTimeOffset now)
    {
        Cube = cube;
        Request = request;
        Options = options;
        Terms = terms;
        QueryVector = queryVector;
        Now = now;
        Slots = cube.Capacity;
        Fused = new float[Slots];
    }

    public CubeIndex Cube { get; }

    public SearchRequest Request { get; }

    public HybridOptions Options { get; }

    /// <summary>Stemmed content terms of the query (its plain words when it has no content word).</summary>
    public IReadOnlyList<string> Terms { get; }

    /// <summary>The query vector prepared for the cube's column, or null when vectors are off.</summary>
    public float[]? QueryVector { get; }

    public DateTimeOffset Now { get; }

    public int Slots { get; }

    /// <summary>The fused score so far.</summary>
    public float[] Fused { get; }

    /// <summary>Each step's per-slot contribution, by component name, for explanations.</summary>
    public Dictionary<string, float[]> Components { get; } = new(StringComparer.Ordinal);

    /// <summary>Whether the slot holds a memory that passes the request's filter (evaluated once per slot, on demand).</summary>
    public bool Allowed(int slot)
    {
        allowed ??= new bool[Slots];
        evaluated ??= new bool[Slots];
        if (!evaluated[slot])
        {
            evaluated[slot] = true;
            allowed[slot] = Cube.ItemAt(slot) is { } item && FilterMatcher.Matches(Request.Filter, item);
        }

        return allowed[slot];
    }

    private bool[]? evaluated;
}
