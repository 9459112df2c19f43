using AgentMem.Benchmarks.Datasets;
using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.MemoryCore.Validation;

namespace AgentMem.StoreChoice.Bench;

/// <summary>
/// LoCoMo as memories: one cube per conversation, one memory per turn (speaker as the provenance actor, the dialog id
/// as the source reference, so search hits map back to evidence ids). Every engine stores these very items.
/// </summary>
internal sealed class Workload
{
    public const string Tenant = "bench";

    private static readonly DateTimeOffset Epoch = new(2023, 5, 1, 0, 0, 0, TimeSpan.Zero);

    private Workload(IReadOnlyList<MemCube> cubes, IReadOnlyList<MemoryItem> memories, IReadOnlyList<SearchCase> questions)
    {
        Cubes = cubes;
        Memories = memories;
        Questions = questions;
    }

    public IReadOnlyList<MemCube> Cubes { get; }

    /// <summary>Every turn, in conversation order.</summary>
    public IReadOnlyList<MemoryItem> Memories { get; }

    /// <summary>Non-adversarial questions with at least one evidence turn.</summary>
    public IReadOnlyList<SearchCase> Questions { get; }

    public static Workload Load(string path)
    {
        var dataset = LocomoLoader.Load(path);
        var cubes = new List<MemCube>();
        var memories = new List<MemoryItem>();
        var cubeOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var conversation in dataset.Conversations)
        {
            var cube = NewCube(conversation.Id);
            cubes.Add(cube);
            cubeOf[conversation.Id] = cube.Id;
            foreach (var session in conversation.Sessions)
            {
                foreach (var turn in session.Turns)
                {
                    memories.Add(NewMemory(cube.Id, turn.Text, turn.Speaker, turn.Id, session.Date ?? Epoch));
                }
            }
        }

        var questions = dataset.Questions
            .Where(q => !q.IsAdversarial && q.EvidenceTurnIds.Count > 0)
            .Select(q => new SearchCase(cubeOf[q.ConversationId], q.Question, q.EvidenceTurnIds))
            .ToList();
        return new Workload(cubes, memories, questions);
    }

    public static MemCube NewCube(string name) => new()
    {
        Id = MemoryId.NewId().ToString(),
        Owner = new Scope(Tenant, "bench"),
        Name = name,
        Policy = new CubePolicy(),
        CreatedAt = Epoch,
        UpdatedAt = Epoch,
    };

    /// <summary>A version-1 memory as the facade builds one.</summary>
    public static MemoryItem NewMemory(string cubeId, string text, string speaker, string sourceRef, DateTimeOffset at) => new()
    {
        Id = MemoryId.NewId(),
        CubeId = cubeId,
        Scope = new Scope(Tenant, "bench"),
        Text = text,
        ContentHash = ContentRules.ComputeHash(MemoryKind.Plaintext, text, null),
        Provenance = new Provenance(SourceKind.Conversation, sourceRef, speaker, at),
        ValidFrom = at,
        UpdatedAt = at,
    };

    /// <summary>The audit line the facade writes with an add; the store files one per memory.</summary>
    public static AuditRecord AddAudit(DateTimeOffset at) => new(at, Tenant, "bench", null, "add", null, null, null, null);
}

/// <summary>One question: the cube to search and the dialog ids that answer it.</summary>
internal sealed record SearchCase(string CubeId, string Question, IReadOnlyList<string> EvidenceTurnIds);
