using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Model;
using AgentMem.Retrieval.Lexical;
using LiteDB;

namespace AgentMem.StoreChoice.Bench;

/// <summary>
/// The LiteDB prototype: per memory, the memory document (with its posting keys, indexed), an audit document and a
/// change-feed document, plus the cube's term statistics, in one LiteDB transaction; indexes on cube, content hash,
/// posting keys, audit memory id and change-feed cube. LiteDB's connection defaults otherwise.
/// </summary>
internal sealed class LiteDbEngine : IEngineUnderTest
{
    private static readonly int[] LiveStates = [(int)LifecycleState.Active, (int)LifecycleState.Archived, (int)LifecycleState.Frozen];
    private static readonly int[] SearchableStates = [(int)LifecycleState.Active, (int)LifecycleState.Frozen];

    private readonly LiteDatabase db;
    private readonly LiteDbSearchMode searchMode;
    private readonly ILiteCollection<BsonDocument> memories;
    private readonly ILiteCollection<BsonDocument> cubes;
    private readonly ILiteCollection<BsonDocument> audit;
    private readonly ILiteCollection<BsonDocument> changes;
    private readonly ILiteCollection<BsonDocument> lexicalStats;

    public LiteDbEngine(string path, bool shared, LiteDbSearchMode searchMode)
    {
        this.searchMode = searchMode;
        db = new LiteDatabase(new ConnectionString { Filename = path, Connection = shared ? ConnectionType.Shared : ConnectionType.Direct });
        memories = db.GetCollection(LiteDbDocuments.Memories);
        cubes = db.GetCollection(LiteDbDocuments.Cubes);
        audit = db.GetCollection(LiteDbDocuments.Audit);
        changes = db.GetCollection(LiteDbDocuments.Changes, BsonAutoId.Int64);
        lexicalStats = db.GetCollection(LiteDbDocuments.LexicalStats);
        memories.EnsureIndex("cube", "$.cube");
        memories.EnsureIndex("hash", "$.hash");
        memories.EnsureIndex("postings", "$.postings[*]");
        audit.EnsureIndex("memory_id", "$.memory_id");
        changes.EnsureIndex("cube", "$.cube");
    }

    public void CreateCubes(IReadOnlyList<MemCube> list)
    {
        foreach (var cube in list)
        {
            cubes.Insert(new BsonDocument { ["_id"] = CubeKey(cube.Id), ["name"] = cube.Name });
        }
    }

    public void Add(IReadOnlyList<MemoryItem> batch)
    {
        if (!db.BeginTrans())
        {
            throw new InvalidOperationException("A LiteDB transaction is already open on this thread.");
        }

        try
        {
            var added = new Dictionary<string, (long Rows, long Terms)>(StringComparer.Ordinal);
            foreach (var item in batch)
            {
                if (!added.TryGetValue(item.CubeId, out var counts))
                {
                    _ = cubes.FindById(CubeKey(item.CubeId)) ?? throw new InvalidOperationException($"No cube '{item.CubeId}'.");
                    counts = (0, 0);
                    added[item.CubeId] = counts;
                }

                if (IsLiveDuplicate(item))
                {
                    continue;
                }

                memories.Insert(LiteDbDocuments.Memory(item, out int termCount));
                audit.Insert(LiteDbDocuments.AuditLine(item));
                changes.Insert(LiteDbDocuments.Change(item));
                added[item.CubeId] = (counts.Rows + 1, counts.Terms + termCount);
            }

            foreach (var (cube, (rows, terms)) in added)
            {
                var stats = lexicalStats.FindById(cube) ?? new BsonDocument { ["_id"] = cube, ["rows"] = 0L, ["terms"] = 0L };
                stats["rows"] = stats["rows"].AsInt64 + rows;
                stats["terms"] = stats["terms"].AsInt64 + terms;
                lexicalStats.Upsert(stats);
            }

            db.Commit();
        }
        catch
        {
            db.Rollback();
            throw;
        }
    }

    public IReadOnlyList<string> Search(string cubeId, string question, int limit)
    {
        var terms = QueryAnalyzer.Terms(question).SelectMany(FtsTerms.Of).Distinct(StringComparer.Ordinal).ToList();
        if (terms.Count == 0)
        {
            return [];
        }

        return searchMode == LiteDbSearchMode.Postings ? SearchPostings(cubeId, terms, limit) : SearchScan(cubeId, terms, limit);
    }

    public IReadOnlyDictionary<string, string> ReadHashes(IReadOnlyList<string> ids)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string id in ids)
        {
            if (memories.FindById(id) is { } doc)
            {
                found[id] = doc["hash"].AsString;
            }
        }

        return found;
    }

    /// <summary>
    /// LiteDB has no integrity check: read every document of every collection, and find each memory again through each
    /// of its indexes (cube, hash, its first posting key, the audit line's memory id).
    /// </summary>
    public void CheckWhole()
    {
        foreach (var doc in memories.FindAll())
        {
            var id = doc["_id"];
            Require(memories.Find(BsonExpression.Create("$.cube = @0", doc["cube"])).Any(d => d["_id"] == id), "cube", id);
            Require(memories.Find(BsonExpression.Create("$.hash = @0", doc["hash"])).Any(d => d["_id"] == id), "hash", id);
            if (doc["postings"].AsArray is [var firstKey, ..])
            {
                Require(memories.Find(BsonExpression.Create("$.postings[*] ANY = @0", firstKey)).Any(d => d["_id"] == id), "postings", id);
            }

            Require(audit.Find(BsonExpression.Create("$.memory_id = @0", id)).Any(), "audit memory_id", id);
        }

        _ = audit.FindAll().Count() + changes.FindAll().Count() + cubes.FindAll().Count() + lexicalStats.FindAll().Count();
    }

    public void Dispose() => db.Dispose();

    private static void Require(bool found, string index, BsonValue id)
    {
        if (!found)
        {
            throw new InvalidDataException($"memory {id} is not found through the {index} index.");
        }
    }

    private static string CubeKey(string cubeId) => Workload.Tenant + "/" + cubeId;

    private bool IsLiveDuplicate(MemoryItem item) =>
        memories.Find(BsonExpression.Create("$.hash = @0", new BsonValue(item.ContentHash))).Any(d => d["cube"].AsString == item.CubeId && LiveStates.Contains(d["state"].AsInt32));

    /// <summary>
    /// One index lookup per query term gives its documents (so its document frequency); the union is ranked with BM25
    /// over the cube's statistics (row count and total terms kept by every add).
    /// </summary>
    private List<string> SearchPostings(string cubeId, List<string> terms, int limit)
    {
        var stats = lexicalStats.FindById(cubeId);
        if (stats is null)
        {
            return [];
        }

        long rows = stats["rows"].AsInt64;
        double averageLength = (double)stats["terms"].AsInt64 / Math.Max(1, rows);
        var candidates = new Dictionary<string, BsonDocument>(StringComparer.Ordinal);
        var idfs = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string term in terms)
        {
            var docs = memories.Find(BsonExpression.Create("$.postings[*] ANY = @0", new BsonValue(LiteDbDocuments.PostingKey(cubeId, term)))).ToList();
            idfs[term] = Bm25.Idf(rows, docs.Count);
            foreach (var doc in docs)
            {
                candidates.TryAdd(doc["_id"].AsString, doc);
            }
        }

        return Rank(candidates.Values, idfs, averageLength, limit);
    }

    /// <summary>Every memory of the cube, read and scored: no index beyond the cube's.</summary>
    private List<string> SearchScan(string cubeId, List<string> terms, int limit)
    {
        var docs = memories.Find(BsonExpression.Create("$.cube = @0", new BsonValue(cubeId))).ToList();
        if (docs.Count == 0)
        {
            return [];
        }

        double averageLength = docs.Average(d => (double)d["terms"].AsArray.Count);
        var idfs = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string term in terms)
        {
            int withTerm = docs.Count(d => d["terms"].AsArray.Any(t => t.AsString == term));
            idfs[term] = Bm25.Idf(docs.Count, withTerm);
        }

        return Rank(docs.Where(d => d["terms"].AsArray.Any(t => idfs.ContainsKey(t.AsString))), idfs, averageLength, limit);
    }

    /// <summary>BM25 per document with FTS5's column weights as the store uses them: text 1.0, speaker 0.6.</summary>
    private static List<string> Rank(IEnumerable<BsonDocument> docs, Dictionary<string, double> idfs, double averageLength, int limit)
    {
        var scored = new List<(double Score, string Id, string SourceRef)>();
        foreach (var doc in docs)
        {
            if (!SearchableStates.Contains(doc["state"].AsInt32))
            {
                continue;
            }

            var terms = doc["terms"].AsArray;
            int textTerms = doc["text_terms"].AsInt32;
            var frequency = new Dictionary<string, double>(StringComparer.Ordinal);
            for (int i = 0; i < terms.Count; i++)
            {
                string term = terms[i].AsString;
                if (idfs.ContainsKey(term))
                {
                    frequency[term] = frequency.GetValueOrDefault(term) + (i < textTerms ? 1.0 : 0.6);
                }
            }

            double score = frequency.Sum(f => Bm25.Term(idfs[f.Key], f.Value, terms.Count, averageLength));
            scored.Add((score, doc["_id"].AsString, doc["source_ref"].AsString));
        }

        return scored.OrderByDescending(s => s.Score).ThenBy(s => s.Id, StringComparer.Ordinal).Take(limit).Select(s => s.SourceRef).ToList();
    }
}
