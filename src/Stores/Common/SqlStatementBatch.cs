namespace AgentMem.Stores.Common;

/// <summary>
/// Writes of one transaction that need no answer but their row counts, sent together: in one round trip where the
/// provider batches (<see cref="DbConnection.CanCreateBatch"/>: PostgreSQL), one after another where it does not
/// (SQLite, in-process, where a statement costs no round trip). Each statement may demand a row: none affected throws
/// the exception it names, and the caller's transaction is rolled back.
/// </summary>
internal sealed class SqlStatementBatch(DbConnection connection, DbTransaction? transaction) : IDisposable
{
    // Statements per round trip: large enough that latency is paid rarely, small enough to bound what is buffered.
    private const int MaxPending = 512;

    private readonly List<(DbCommand Command, Func<Exception>? IfNoRow)> pending = [];

    /// <summary>A new statement to bind; it runs at the next flush, after those added before it.</summary>
    public DbCommand Add(string sql, Func<Exception>? ifNoRow = null)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        pending.Add((command, ifNoRow));
        return command;
    }

    /// <summary>Runs the pending statements once there are enough of them to be worth a round trip.</summary>
    public Task FlushIfFullAsync(CancellationToken cancellationToken) =>
        pending.Count >= MaxPending ? FlushAsync(cancellationToken) : Task.CompletedTask;

    /// <summary>Runs every pending statement, in order.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (pending.Count == 0)
        {
            return;
        }

        try
        {
            var affected = connection.CanCreateBatch ? await RunBatchedAsync(cancellationToken).ConfigureAwait(false) : await RunEachAsync(cancellationToken).ConfigureAwait(false);
            for (int i = 0; i < pending.Count; i++)
            {
                if (affected[i] == 0 && pending[i].IfNoRow is { } fail)
                {
                    throw fail();
                }
            }
        }
        finally
        {
            Dispose();
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var (command, _) in pending)
        {
            command.Dispose();
        }

        pending.Clear();
    }

    private async Task<int[]> RunEachAsync(CancellationToken cancellationToken)
    {
        var affected = new int[pending.Count];
        for (int i = 0; i < pending.Count; i++)
        {
            affected[i] = await pending[i].Command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return affected;
    }

    private async Task<int[]> RunBatchedAsync(CancellationToken cancellationToken)
    {
        using var batch = connection.CreateBatch();
        batch.Transaction = transaction;
        foreach (var (command, _) in pending)
        {
            // The parameters were bound through the dialect onto a command; a parameter belongs to one collection at a time.
            var statement = batch.CreateBatchCommand();
            statement.CommandText = command.CommandText;
            var parameters = command.Parameters.Cast<DbParameter>().ToList();
            command.Parameters.Clear();
            foreach (var parameter in parameters)
            {
                statement.Parameters.Add(parameter);
            }

            batch.BatchCommands.Add(statement);
        }

        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return [.. batch.BatchCommands.Select(c => c.RecordsAffected)];
    }
}
