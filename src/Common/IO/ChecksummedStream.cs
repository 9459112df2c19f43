using System.Buffers.Binary;
using System.IO.Hashing;

namespace AgentMem.Common.IO;

/// <summary>
/// Writes bytes to a stream, or reads exactly the requested bytes from it (else <see cref="EndOfStreamException"/>), keeping the
/// running CRC-32 of what went through; <see cref="WriteChecksum"/> ends a file with the trailer AgentMem's binary formats share:
/// the uint32 little-endian CRC-32 of every byte before it. A file's body is checksummed the same way in both directions.
/// </summary>
public sealed class ChecksummedStream(Stream stream)
{
    private readonly Crc32 crc = new();

    /// <summary>The CRC-32 of every byte written or read so far.</summary>
    public uint Checksum => crc.GetCurrentHashAsUInt32();

    /// <summary>Writes <paramref name="bytes"/> and adds them to the checksum.</summary>
    public void Write(ReadOnlySpan<byte> bytes)
    {
        crc.Append(bytes);
        stream.Write(bytes);
    }

    /// <summary>Writes <paramref name="value"/> as four little-endian bytes and adds them to the checksum.</summary>
    public void WriteInt32(int value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        Write(bytes);
    }

    /// <summary>Writes the trailer: <see cref="Checksum"/> as four little-endian bytes, which are not themselves checksummed.</summary>
    public void WriteChecksum()
    {
        Span<byte> trailer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, Checksum);
        stream.Write(trailer);
    }

    /// <summary>
    /// Whether <paramref name="file"/>, a whole file read at once, ends with the trailer <see cref="WriteChecksum"/> writes: its
    /// last four bytes are the little-endian CRC-32 of every byte before them. False when it is shorter than the trailer.
    /// </summary>
    public static bool TrailerMatches(ReadOnlySpan<byte> file) =>
        file.Length >= sizeof(uint) && ReadTrailer(file) is var (stored, computed) && stored == computed;

    /// <summary>
    /// The checksum the trailer of <paramref name="file"/> (a whole file read at once) stores, and the one its bytes before the
    /// trailer have, for formats whose errors report both.
    /// </summary>
    /// <exception cref="ArgumentException">The file is shorter than the trailer.</exception>
    public static (uint Stored, uint Computed) ReadTrailer(ReadOnlySpan<byte> file)
    {
        if (file.Length < sizeof(uint))
        {
            throw new ArgumentException($"A file of {file.Length} bytes has no room for the 4-byte checksum trailer.", nameof(file));
        }

        return (BinaryPrimitives.ReadUInt32LittleEndian(file[^sizeof(uint)..]), Crc32.HashToUInt32(file[..^sizeof(uint)]));
    }

    /// <summary>Fills <paramref name="bytes"/> from the stream and adds them to the checksum.</summary>
    /// <exception cref="EndOfStreamException">The stream ends first.</exception>
    public void Read(Span<byte> bytes)
    {
        stream.ReadExactly(bytes);
        crc.Append(bytes);
    }

    /// <summary>
    /// Reads the trailer <see cref="WriteChecksum"/> wrote and returns the checksum it stores, which is not added to
    /// <see cref="Checksum"/>: the bytes read before it are intact when the two are equal.
    /// </summary>
    /// <exception cref="EndOfStreamException">The stream ends before the four bytes of the trailer.</exception>
    public uint ReadChecksum()
    {
        Span<byte> trailer = stackalloc byte[sizeof(uint)];
        stream.ReadExactly(trailer);
        return BinaryPrimitives.ReadUInt32LittleEndian(trailer);
    }
}
