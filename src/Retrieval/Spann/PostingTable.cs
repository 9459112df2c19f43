namespace AgentMem.Retrieval.Spann;

/// <summary>
/// Where each posting lives in the postings file, kept in memory (SPANN keeps only this and the heads
/// resident): extent offset and size, entries written, and the CRC of those entries as of the last
/// checkpoint. A posting id is also its head's key in the head index.
/// </summary>
/// <remarks>
/// One array of records rather than a column per field: every operation reads or writes several fields of one
/// posting, and the table is small (one row per head), so there is no column scan to keep contiguous.
/// </remarks>
internal sealed class PostingTable
{
    private Row[] rows = new Row[16];

    /// <summary>Posting ids handed out so far (dead ones included).</summary>
    public int Length { get; private set; }

    /// <summary>Bytes of the in-memory array.</summary>
    public long MemoryBytes => rows.LongLength * Unsafe.SizeOf<Row>();

    public long Offset(int id) => rows[id].Offset;

    public int CapacityBytes(int id) => rows[id].CapacityBytes;

    public int Count(int id) => rows[id].Count;

    public uint Checksum(int id) => rows[id].Checksum;

    public bool IsAlive(int id) => id >= 0 && id < Length && rows[id].Alive;

    /// <summary>Changed since the last checkpoint, so its CRC must be recomputed.</summary>
    public bool IsDirty(int id) => rows[id].Dirty;

    /// <summary>Its entries are known to match <see cref="Checksum"/>: written by this process, or read and checked since the open.</summary>
    public bool IsVerified(int id) => rows[id].Verified;

    public void MarkVerified(int id) => rows[id].Verified = true;

    public int Add(long offset, int capacityBytes, int count, uint checksum, bool isAlive, bool isDirty, bool isVerified = false)
    {
        if (Length == rows.Length)
        {
            Array.Resize(ref rows, Length * 2);
        }

        int id = Length++;
        rows[id] = new Row { Offset = offset, CapacityBytes = capacityBytes, Count = count, Checksum = checksum, Alive = isAlive, Dirty = isDirty, Verified = isVerified };
        return id;
    }

    public void Move(int id, long offset, int capacityBytes, int count)
    {
        ref var row = ref rows[id];
        row.Offset = offset;
        row.CapacityBytes = capacityBytes;
        row.Count = count;
        row.Dirty = true;
    }

    public void SetCount(int id, int count)
    {
        ref var row = ref rows[id];
        row.Count = count;
        row.Dirty = true;
    }

    public void Kill(int id)
    {
        ref var row = ref rows[id];
        row.Alive = false;
        row.Count = 0;
        row.Dirty = true;
    }

    public void MarkClean(int id, uint checksum)
    {
        ref var row = ref rows[id];
        row.Checksum = checksum;
        row.Dirty = false;
        row.Verified = true;
    }

    private struct Row
    {
        public long Offset;
        public int CapacityBytes;
        public int Count;
        public uint Checksum;
        public bool Alive;
        public bool Dirty;
        public bool Verified;
    }
}
