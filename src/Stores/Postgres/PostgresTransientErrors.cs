using System.Net.Sockets;

namespace AgentMem.Stores.Postgres;

/// <summary>Which failures are worth another attempt: the same operation may succeed if run again unchanged.</summary>
internal static class PostgresTransientErrors
{
    /// <summary>
    /// Serialization failures (a concurrent transaction won; the loser is expected to retry), deadlocks (the server chose this
    /// transaction as the victim), lost or refused connections, timeouts and server shutdowns. Not a full disk (53100), which
    /// Npgsql counts as transient: it is still full a moment later, and the store reports it as <see cref="StorageFullException"/>.
    /// </summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        PostgresException { SqlState: PostgresErrorCodes.DiskFull } => false,
        PostgresException pg => pg.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected || pg.IsTransient,
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is IOException or SocketException or TimeoutException,
        _ => false,
    };
}
