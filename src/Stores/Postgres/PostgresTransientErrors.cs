using System.Net.Sockets;

namespace AgentMem.Stores.Postgres;

/// <summary>Which failures are worth another attempt: the same operation may succeed if run again unchanged.</summary>
internal static class PostgresTransientErrors
{
    /// <summary>serialization_failure: a concurrent transaction won; the loser is expected to retry.</summary>
    public const string SerializationFailure = "40001";

    /// <summary>deadlock_detected: the server chose this transaction as the victim.</summary>
    public const string DeadlockDetected = "40P01";

    /// <summary>unique_violation.</summary>
    public const string UniqueViolation = "23505";

    /// <summary>Serialization failures, deadlocks, lost or refused connections, timeouts and server shutdowns.</summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        PostgresException pg => pg.SqlState is SerializationFailure or DeadlockDetected || pg.IsTransient,
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is IOException or SocketException or TimeoutException,
        _ => false,
    };
}
