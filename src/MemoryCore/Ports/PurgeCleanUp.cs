namespace AgentMem.MemoryCore.Ports;

/// <summary>
/// What the caller of a purge (<see cref="IMemoryStore.PurgeManyAsync(string, IReadOnlyList{Identity.MemoryId}, AuditRecord, IReadOnlyCollection{Identity.MemoryId}?, PurgeCleanUp, CancellationToken)"/>)
/// does outside the store at two moments of it, with what it derived from the memories (payload files, index snapshots).
/// Done after the store's whole purge, it came after the rebuild of the database file (SQLite's <c>VACUUM</c>,
/// PostgreSQL's <c>VACUUM (FULL)</c>), which can take minutes, and a crash in that time left the derived files for good:
/// nothing recorded that they were owed.
/// </summary>
/// <param name="BeforeCommit">
/// Runs inside the purge's transaction, once its frozen check has passed and the memories are removed, just before the
/// commit, with the ids of the memories removed (none named for a cube delete, which removes all of the cube's): deletes what holds their text outside the store, so that a crash at any
/// moment after the commit leaves none of it. The purge can still fail after it (the commit itself), so it may delete
/// only what can be made again from the memories if they stay (derived files). It may run more than once (a store retries
/// its transaction) and must not use the store, whose transaction is open.
/// </param>
/// <param name="AfterCommit">
/// Runs once the purge has committed, with how many memories it removed, before the store's own clean-up of the database
/// file: tells whoever keeps state about them. Not run when the purge fails.
/// </param>
public sealed record PurgeCleanUp(Action<IReadOnlyList<Identity.MemoryId>>? BeforeCommit, Action<int>? AfterCommit);
