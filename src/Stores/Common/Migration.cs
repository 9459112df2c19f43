namespace AgentMem.Stores.Common;

/// <summary>One forward schema step of a store; applied once, in a transaction, in version order.</summary>
/// <param name="Version">The schema version this step produces.</param>
/// <param name="Name">A short description recorded in <c>schema_migrations</c>.</param>
/// <param name="Sql">The DDL/DML to run.</param>
/// <param name="Rewrite">
/// Rows to rewrite with what only .NET computes (a content hash), run after <paramref name="Sql"/> in the step's
/// transaction; null for a step SQL makes alone. PostgreSQL's steps need it: SQLite's call .NET through the functions its
/// <c>SchemaManager</c> registers on the migrating connection instead.
/// </param>
internal sealed record Migration(int Version, string Name, string Sql, Func<DbConnection, DbTransaction, CancellationToken, Task>? Rewrite = null);
