namespace AgentMem.Stores.Sqlite;

/// <summary>The change feed's position (written by triggers, schema v5) and persisted embeddings.</summary>
public sealed partial class SqliteMemoryStore
{
    /// <inheritdoc/>
    public override Task<long> GetChangeSequenceAsync(string tenant, string cubeId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenant);
        ArgumentException.ThrowIfNullOrWhiteSpace(cubeId);
        return ReadAsync(conn =>
        {
            using var cmd = Command(conn, null, "SELECT MAX(seq) FROM memory_changes WHERE tenant = $t AND cube_id = $c;");
            cmd.Parameters.AddWithValue("$t", tenant);
            cmd.Parameters.AddWithValue("$c", cubeId);
            return cmd.ExecuteScalar() is long seq ? seq : 0L;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public override Task<IReadOnlyList<StoredEmbedding>> GetEmbeddingsAsync(string tenant, string cubeId, string embedder, IReadOnlyList<MemoryId>? ids, CancellationToken cancellationToken = default)
    {
        StoreArguments.RequireEmbeddingRead(tenant, cubeId, embedder);
        List<MemoryId[]?> chunks = ids is null ? [null] : [.. ids.Distinct().Chunk(Dialect.MaxListLength)];
        return InReadAsync<IReadOnlyList<StoredEmbedding>>(tenant, async (conn, tx, ct) =>
        {
            var result = new List<StoredEmbedding>(ids?.Count ?? 1024);
            foreach (var chunk in chunks)
            {
                var cmd = Command(conn, tx, string.Empty);
                var sql = new StringBuilder("SELECT memory_id, text_hash, vector FROM memory_embeddings WHERE tenant = @t AND cube_id = @c AND embedder = @e");
                Dialect.Add(cmd, "@t", tenant);
                Dialect.Add(cmd, "@c", cubeId);
                Dialect.Add(cmd, "@e", embedder);
                if (chunk is not null)
                {
                    Dialect.AppendIn(sql.Append(" AND "), cmd, "memory_id", "@id", [.. chunk.Select(id => id.ToString())]);
                }

                cmd.CommandText = sql.Append(';').ToString();
                result.AddRange(await ReadAllAsync(cmd, r => new StoredEmbedding(MemoryId.Parse(r.GetString(0)), r.GetString(1), EmbeddingBlob.Decode((byte[])r.GetValue(2))), ct).ConfigureAwait(false));
            }

            return result;
        }, cancellationToken);
    }

    private protected override async Task WriteEmbeddingsAsync(string tenant, string cubeId, string embedder, IReadOnlyList<StoredEmbedding> embeddings, CancellationToken cancellationToken)
    {
        await WriteAsync(tenant, (conn, tx, _) =>
        {
            // Only for a memory still in the cube: a purge committed meanwhile (any process) must not be undone here.
            using var cmd = Command((SqliteConnection)conn, (SqliteTransaction?)tx, """
                INSERT OR REPLACE INTO memory_embeddings(tenant, cube_id, memory_id, embedder, text_hash, vector)
                SELECT $t, $c, $id, $e, $h, $v WHERE EXISTS (SELECT 1 FROM memories WHERE tenant = $t AND cube_id = $c AND id = $id);
                """);
            cmd.Parameters.AddWithValue("$t", tenant);
            cmd.Parameters.AddWithValue("$c", cubeId);
            cmd.Parameters.AddWithValue("$e", embedder);
            var id = cmd.Parameters.Add("$id", Microsoft.Data.Sqlite.SqliteType.Text);
            var hash = cmd.Parameters.Add("$h", Microsoft.Data.Sqlite.SqliteType.Text);
            var vector = cmd.Parameters.Add("$v", Microsoft.Data.Sqlite.SqliteType.Blob);
            foreach (var e in embeddings)
            {
                ArgumentNullException.ThrowIfNull(e);
                id.Value = e.MemoryId.ToString();
                hash.Value = e.TextHash;
                vector.Value = EmbeddingBlob.Encode(e.Vector);
                cmd.ExecuteNonQuery();
            }

            return Task.FromResult(0);
        }, durable: false, cancellationToken).ConfigureAwait(false); // recomputable: no fsync on the search path
    }
}
