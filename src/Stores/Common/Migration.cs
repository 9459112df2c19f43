namespace AgentMem.Stores.Common;

/// <summary>One forward schema step of a store; applied once, in a transaction, in version order.</summary>
/// <param name="Version">The schema version this step produces.</param>
/// <param name="Name">A short description recorded in <c>schema_migrations</c>.</param>
/// <param name="Sql">The DDL/DML to run.</param>
internal sealed record Migration(int Version, string Name, string Sql);
