namespace AgentMem.Stores.Common;

/// <summary>
/// Work a SQL store runs on one connection: inside a transaction bound to the call's tenant (a read may run without one
/// where the store's reads need none, as SQLite's do).
/// </summary>
internal delegate Task<T> SqlWork<T>(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken);
