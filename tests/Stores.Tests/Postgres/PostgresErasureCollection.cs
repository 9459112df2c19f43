namespace AgentMem.Stores.Tests.Postgres;

/// <summary>
/// Tests that read PostgreSQL's data files for an erased token run alone: a vacuum keeps every old row version that a
/// transaction open anywhere on the server might still see, so other tests' sessions running meanwhile (measured: their
/// snapshots kept the token in every table VACUUM (FULL) rewrote) would make the result depend on timing. In production
/// the same holds: a long transaction open during a purge keeps the old rows until the next vacuum.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PostgresErasureCollection
{
    public const string Name = "postgres-erasure";
}
