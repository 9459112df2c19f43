namespace AgentMem.Retrieval.Spann;

/// <summary>
/// Where each posting lives in the postings file, kept in memory (SPANN keeps only this and the heads
/// resident): extent offset and size, entries written, and the CRC of those entries as of the last
/// checkpoint. A posting id is also its head's key in the head index.
/// </summary>
internal sealed class PostingTable
{
    private long[] offsets = new long[16];
    private int[] capacities = new int[16];
    private int[] counts = new int[16];
    private uint[] checksums = new uint[16];
    private bool[] alive = new bool[16];
    private bool[] dirty = new bool[16];

    /// <summary>Posting ids handed out so far (dead ones included).</summary>
    public int Length { get; private set; }

    /// <summary>Bytes of the in-memory arrays.</summary>
    public long MemoryBytes => offsets.LongLength * (sizeof(long) + sizeof(int) + sizeof(int) + sizeof(uint) + 2);

    public long Offset(int id) => offsets[id];

    public int CapacityBytes(int id) => capacities[id];

    public int Count(int id) => counts[id];

    public uint Checksum(int id) => checksums[id];

    public bool IsAlive(int id) => id >= 0 && id < Length && alive[id];

    /// <summary>Changed since the last checkpoint, so its CRC must be recomputed.</summary>
    public bool IsDirty(int id) => dirty[id];

    public int Add(long offset, int capacityBytes, int count, uint checksum, bool isAlive, bool isDirty)
    {
        if (Length == offsets.Length)
        {
            int size = Length * 2;
            Array.Resize(ref offsets, size);
            Array.Resize(ref capacities, size);
            Array.Resize(ref counts, size);
            Array.Resize(ref checksums, size);
            Array.Resize(ref alive, size);
            Array.Resize(ref dirty, size);
        }

        int id = Length++;
        offsets[id] = offset;
        capacities[id] = capacityBytes;
        counts[id] = count;
        checksums[id] = checksum;
        alive[id] = isAlive;
        dirty[id] = isDirty;
        return id;
    }

    public void Move(int id, long offset, int capacityBytes, int count)
    {
        offsets[id] = offset;
        capacities[id] = capacityBytes;
        counts[id] = count;
        dirty[id] = true;
    }

    public void SetCount(int id, int count)
    {
        counts[id] = count;
        dirty[id] = true;
    }

    public void Kill(int id)
    {
        alive[id] = false;
        counts[id] = 0;
        dirty[id] = true;
    }

    public void MarkClean(int id, uint checksum)
    {
        checksums[id] = checksum;
        dirty[id] = false;
    }
}
