using System.Net.Sockets;

namespace AgentMem.Stores.Postgres;

/// <summary>Which failures are worth another attempt: the same operation may succeed if run again unchanged.</summary>
internal static class PostgresTransientErrors
{
    /// <summary>
    /// Serialization failures (a concurrent transaction won; the loser is expected to retry), deadlocks (the server chose this
    /// transaction as the victim), lost or refused connections, timeouts and server shutdowns.
    /// </summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        PostgresException pg => pg.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected || pg.IsTransient,
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is IOException or SocketException or TimeoutException,
        _ => false,
    };
}
