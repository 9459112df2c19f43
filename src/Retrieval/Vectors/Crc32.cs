namespace AgentMem.Retrieval.Vectors;

/// <summary>
/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) with a 256-entry table: the checksum of the
/// index files. Written here rather than taken from System.IO.Hashing so that Retrieval keeps its
/// dependency list (MemoryCore, System.Numerics.Tensors) unchanged.
/// </summary>
internal static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    /// <summary>The state before any byte: pass it to the first <see cref="Append"/>.</summary>
    public const uint Initial = 0xFFFFFFFFu;

    /// <summary>Continues a running CRC over more bytes.</summary>
    public static uint Append(uint state, ReadOnlySpan<byte> data)
    {
        var table = Table;
        foreach (byte b in data)
        {
            state = table[(state ^ b) & 0xFF] ^ (state >> 8);
        }

        return state;
    }

    /// <summary>The checksum of a running state.</summary>
    public static uint Finish(uint state) => ~state;

    /// <summary>The checksum of one buffer.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Append(Initial, data));

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int bit = 0; bit < 8; bit++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[i] = c;
        }

        return table;
    }
}
