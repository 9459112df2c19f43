using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.Retrieval.Lexical;
using AgentMem.Stores.Sqlite;
using Microsoft.Data.Sqlite;

namespace AgentMem.StoreChoice.Bench;

/// <summary>Our real store through <see cref="IMemoryStore"/>: every add and search goes through the code the library ships.</summary>
internal sealed class SqliteStoreEngine(string path, bool durable) : IEngineUnderTest
{
    private static readonly AddOptions FacadeDefaults = new(Deduplicate: true);

    private readonly SqliteMemoryStore store = SqliteMemoryStore.Open(new SqliteStoreOptions { Path = path, DurableCommits = durable });

    public void CreateCubes(IReadOnlyList<MemCube> cubes)
    {
        foreach (var cube in cubes)
        {
            store.CreateCubeAsync(cube, new AuditRecord(cube.CreatedAt, Workload.Tenant, "bench", null, "cube.create", cube.Id, null, null, null)).GetAwaiter().GetResult();
        }
    }

    public void Add(IReadOnlyList<MemoryItem> batch) =>
        store.AddAsync(Workload.Tenant, batch, FacadeDefaults, Workload.AddAudit(batch[0].UpdatedAt)).GetAwaiter().GetResult();

    /// <summary>As the BM25 retriever asks: the question's content words, quoted and OR-ed into one FTS5 MATCH.</summary>
    public IReadOnlyList<string> Search(string cubeId, string question, int limit)
    {
        var terms = QueryAnalyzer.Terms(question);
        var matches = store.SearchLexicalAsync(Workload.Tenant, new LexicalQuery(terms, new MemoryFilter { CubeId = cubeId }, limit)).GetAwaiter().GetResult();
        return matches.Select(m => m.Item.Provenance.SourceRef ?? string.Empty).ToList();
    }

    public IReadOnlyDictionary<string, string> ReadHashes(IReadOnlyList<string> ids)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var chunk in ids.Chunk(500))
        {
            var items = store.GetManyAsync(Workload.Tenant, chunk.Select(MemoryId.Parse).ToList()).GetAwaiter().GetResult();
            foreach (var item in items)
            {
                found[item.Id.ToString()] = item.ContentHash;
            }
        }

        return found;
    }

    public void CheckWhole()
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var check = connection.CreateCommand();
        check.CommandText = "PRAGMA integrity_check;";
        if (check.ExecuteScalar() is not "ok" and var problem)
        {
            throw new InvalidDataException($"integrity_check: {problem}");
        }

        check.CommandText = "INSERT INTO memories_fts(memories_fts, rank) VALUES ('integrity-check', 1);";
        check.ExecuteNonQuery();
    }

    public void Dispose() => store.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
