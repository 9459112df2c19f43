namespace AgentMem.Retrieval.Vectors;

/// <summary>
/// <c>using (gate.Read())</c> and <c>using (gate.Write())</c> for the vector indexes' reader-writer locks: the lock is
/// taken on entry and released when the block is left, however it is left, as the try/finally each site once wrote out.
/// </summary>
internal static class LockScopes
{
    /// <summary>Enters the read lock until the returned scope is disposed.</summary>
    public static ReadScope Read(this ReaderWriterLockSlim gate)
    {
        gate.EnterReadLock();
        return new ReadScope(gate);
    }

    /// <summary>Enters the write lock until the returned scope is disposed.</summary>
    public static WriteScope Write(this ReaderWriterLockSlim gate)
    {
        gate.EnterWriteLock();
        return new WriteScope(gate);
    }

    /// <summary>A held read lock.</summary>
    public readonly ref struct ReadScope(ReaderWriterLockSlim gate)
    {
        public void Dispose() => gate.ExitReadLock();
    }

    /// <summary>A held write lock.</summary>
    public readonly ref struct WriteScope(ReaderWriterLockSlim gate)
    {
        public void Dispose() => gate.ExitWriteLock();
    }
}
