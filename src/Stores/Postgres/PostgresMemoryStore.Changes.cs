using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace AgentMem.Stores.Postgres;

/// <summary>The change feed's position (written by trigger, numbered per cube in commit order), its notifications, and persisted embeddings.</summary>
public sealed partial class PostgresMemoryStore
{
    /// <summary>The channel every committed memory write notifies, with payload <c>tenant:cubeId</c>.</summary>
    public const string ChangeChannel = "agentmem_changes";

    /// <inheritdoc/>
    /// <remarks>Sequence numbers count per cube (1, 2, 3, … in commit order), read from one row: a single index lookup.</remarks>
    public override async Task<long> GetChangeSequenceAsync(string tenant, string cubeId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenant);
        ArgumentException.ThrowIfNullOrWhiteSpace(cubeId);
        var found = await ReadStatementAsync(
            tenant,
            cmd =>
            {
                cmd.CommandText = "SELECT seq FROM change_counters WHERE tenant = @t AND cube_id = @c;";
                Dialect.Add(cmd, "@t", tenant);
                Dialect.Add(cmd, "@c", cubeId);
            },
            r => r.GetInt64(0),
            cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? 0L : found[0];
    }

    /// <summary>
    /// Cubes whose memories another process (or this one) changed, as the database announces them: a way to wake a node at
    /// once instead of at its next poll. Opens one dedicated connection for as long as it is enumerated; ends by throwing
    /// when <paramref name="cancellationToken"/> fires or the connection is lost (listen again then). Notifications carry
    /// tenant and cube ids, never content, and may be coalesced; the store's readers never depend on them, since every
    /// search first compares <see cref="GetChangeSequenceAsync"/> with what it has applied.
    /// </summary>
    public async IAsyncEnumerable<PostgresChangeNotice> ListenAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var notices = Channel.CreateUnbounded<PostgresChangeNotice>(new UnboundedChannelOptions { SingleReader = true });
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        connection.Notification += (_, e) =>
        {
            if (PostgresChangeNotice.TryParse(e.Payload, out var notice))
            {
                notices.Writer.TryWrite(notice);
            }
        };
        using (var listen = new NpgsqlCommand($"LISTEN {ChangeChannel};", connection))
        {
            await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            while (true)
            {
                while (notices.Reader.TryRead(out var notice))
                {
                    yield return notice;
                }

                await connection.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (connection.FullState == System.Data.ConnectionState.Open)
            {
                // The connection goes back to the pool: it must not keep receiving notifications there.
                using var unlisten = new NpgsqlCommand("UNLISTEN *;", connection);
                await unlisten.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc/>
    public override async Task<IReadOnlyList<StoredEmbedding>> GetEmbeddingsAsync(string tenant, string cubeId, string embedder, IReadOnlyList<MemoryId>? ids, CancellationToken cancellationToken = default)
    {
        StoreArguments.RequireEmbeddingRead(tenant, cubeId, embedder);
        return await ReadStatementAsync(
            tenant,
            cmd =>
            {
                cmd.CommandText = ids is null
                    ? "SELECT memory_id, text_hash, vector FROM memory_embeddings WHERE tenant = @t AND cube_id = @c AND embedder = @e ORDER BY memory_id;"
                    : "SELECT memory_id, text_hash, vector FROM memory_embeddings WHERE tenant = @t AND cube_id = @c AND embedder = @e AND memory_id = ANY(@ids) ORDER BY memory_id;";
                var parameters = ((NpgsqlCommand)cmd).Parameters;
                parameters.AddWithValue("t", tenant);
                parameters.AddWithValue("c", cubeId);
                parameters.AddWithValue("e", embedder);
                if (ids is not null)
                {
                    parameters.AddWithValue("ids", ids.Select(i => i.ToString()).Distinct(StringComparer.Ordinal).ToArray());
                }
            },
            r => new StoredEmbedding(MemoryId.Parse(r.GetString(0)), r.GetString(1), EmbeddingBlob.Decode(r.GetFieldValue<byte[]>(2))),
            cancellationToken).ConfigureAwait(false);
    }

    private protected override async Task WriteEmbeddingsAsync(string tenant, string cubeId, string embedder, IReadOnlyList<StoredEmbedding> embeddings, CancellationToken cancellationToken)
    {
        // The last embedding of a memory in the batch wins, as SQLite's INSERT OR REPLACE in order.
        var latest = new Dictionary<MemoryId, StoredEmbedding>();
        foreach (var e in embeddings)
        {
            ArgumentNullException.ThrowIfNull(e);
            latest[e.MemoryId] = e;
        }

        string[] ids = [.. latest.Keys.Select(k => k.ToString())];
        string[] hashes = [.. latest.Values.Select(e => e.TextHash)];
        byte[][] vectors = [.. latest.Values.Select(e => EmbeddingBlob.Encode(e.Vector))];

        // An upsert: running it twice stores the same thing, so retries need no ledger.
        await RunAsync(tenant, async (conn, tx, ct) =>
        {
            // Only for a memory still in the cube. FOR KEY SHARE waits for a concurrent purge of it and then skips it, so
            // a purge committed meanwhile (any node) is never undone here.
            using var cmd = Command(conn, tx, """
                INSERT INTO memory_embeddings(tenant, cube_id, memory_id, embedder, text_hash, vector)
                SELECT @t, @c, e.id, @e, e.hash, e.vector
                FROM unnest(@ids, @hashes, @vectors) AS e(id, hash, vector)
                JOIN (SELECT id FROM memories WHERE tenant = @t AND cube_id = @c AND id = ANY(@ids) FOR KEY SHARE) live ON live.id = e.id
                ON CONFLICT (tenant, memory_id, embedder) DO UPDATE SET cube_id = excluded.cube_id, text_hash = excluded.text_hash, vector = excluded.vector;
                """);
            cmd.Parameters.AddWithValue("t", tenant);
            cmd.Parameters.AddWithValue("c", cubeId);
            cmd.Parameters.AddWithValue("e", embedder);
            cmd.Parameters.AddWithValue("ids", NpgsqlDbType.Array | NpgsqlDbType.Text, ids);
            cmd.Parameters.AddWithValue("hashes", NpgsqlDbType.Array | NpgsqlDbType.Text, hashes);
            cmd.Parameters.AddWithValue("vectors", NpgsqlDbType.Array | NpgsqlDbType.Bytea, vectors);
            return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, TransactionKind.IdempotentWrite, cancellationToken).ConfigureAwait(false);
    }
}
