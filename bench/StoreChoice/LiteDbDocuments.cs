using System.Globalization;
using AgentMem.MemoryCore.Model;
using LiteDB;

namespace AgentMem.StoreChoice.Bench;

/// <summary>
/// The LiteDB prototype's documents: a memory carries every column the SQLite row carries, plus the analysed terms a
/// search without FTS needs (what FTS5 keeps in its own tables on the SQLite side).
/// </summary>
internal static class LiteDbDocuments
{
    public const string Memories = "memories";
    public const string Cubes = "cubes";
    public const string Audit = "audit_log";
    public const string Changes = "memory_changes";
    public const string LexicalStats = "lexical_stats";

    /// <summary>Separates cube and term in a posting key; never part of a token.</summary>
    public const char KeySeparator = '\u001f';

    public static string PostingKey(string cubeId, string term) => cubeId + KeySeparator + term;

    public static BsonDocument Memory(MemoryItem item, out int termCount)
    {
        var textTerms = FtsTerms.Of(item.Text);
        var actorTerms = FtsTerms.Of(item.Provenance.Actor);
        var terms = textTerms.Concat(actorTerms).ToList();
        termCount = terms.Count;
        return new BsonDocument
        {
            ["_id"] = item.Id.ToString(),
            ["tenant"] = item.Scope.Tenant,
            ["cube"] = item.CubeId,
            ["user"] = item.Scope.User,
            ["agent"] = item.Scope.Agent,
            ["session"] = item.Scope.Session,
            ["kind"] = (int)item.Kind,
            ["text"] = item.Text,
            ["hash"] = item.ContentHash,
            ["source_kind"] = (int)item.Provenance.Source,
            ["source_ref"] = item.Provenance.SourceRef,
            ["actor"] = item.Provenance.Actor,
            ["recorded_at"] = Time(item.Provenance.RecordedAt),
            ["valid_from"] = item.ValidFrom is { } from ? Time(from) : BsonValue.Null,
            ["valid_to"] = item.ValidTo is { } to ? Time(to) : BsonValue.Null,
            ["version"] = item.Version,
            ["state"] = (int)item.State,
            ["state_reason"] = item.StateReason,
            ["tags"] = new BsonArray(item.Tags.Select(t => new BsonValue(t))),
            ["keywords"] = new BsonArray(item.Keywords.Select(k => new BsonValue(k))),
            ["context"] = item.Context,
            ["importance"] = item.Importance,
            ["strength"] = item.Strength,
            ["last_recalled_at"] = item.LastRecalledAt is { } recalled ? Time(recalled) : BsonValue.Null,
            ["recall_count"] = item.RecallCount,
            ["updated_at"] = Time(item.UpdatedAt),
            ["terms"] = new BsonArray(terms.Select(t => new BsonValue(t))),
            ["text_terms"] = textTerms.Count,
            ["postings"] = new BsonArray(terms.Distinct(StringComparer.Ordinal).Select(t => new BsonValue(PostingKey(item.CubeId, t)))),
        };
    }

    public static BsonDocument AuditLine(MemoryItem item) => new()
    {
        ["tenant"] = item.Scope.Tenant,
        ["at"] = Time(item.UpdatedAt),
        ["user"] = "bench",
        ["action"] = "add",
        ["cube"] = item.CubeId,
        ["memory_id"] = item.Id.ToString(),
        ["version"] = item.Version,
    };

    public static BsonDocument Change(MemoryItem item) => new()
    {
        ["tenant"] = item.Scope.Tenant,
        ["cube"] = item.CubeId,
        ["memory_id"] = item.Id.ToString(),
        ["op"] = 0,
    };

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
}
