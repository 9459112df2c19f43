using System.Buffers.Binary;
using System.IO.Hashing;
using AgentMem.Common.IO;

namespace AgentMem.Common.Tests.IO;

public sealed class ChecksummedStreamTests
{
    [Fact]
    public void Written_bytes_end_with_the_little_endian_crc32_of_everything_before_the_trailer()
    {
        using var stream = new MemoryStream();
        var writer = new ChecksummedStream(stream);
        writer.Write([1, 2, 3]);
        writer.WriteInt32(0x0A0B0C0D);
        writer.WriteChecksum();

        byte[] bytes = stream.ToArray();
        Assert.Equal(new byte[] { 1, 2, 3, 0x0D, 0x0C, 0x0B, 0x0A }, bytes[..^4]);
        Assert.Equal(Crc32.HashToUInt32(bytes.AsSpan(0, 7)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(7)));
        Assert.Equal(Crc32.HashToUInt32(bytes.AsSpan(0, 7)), writer.Checksum); // the trailer is not part of the sum
    }

    [Fact]
    public void Reading_back_yields_the_same_checksum_and_a_short_stream_throws()
    {
        using var stream = new MemoryStream();
        var writer = new ChecksummedStream(stream);
        writer.Write([9, 8, 7, 6, 5]);
        writer.WriteChecksum();

        stream.Position = 0;
        var reader = new ChecksummedStream(stream);
        var body = new byte[5];
        reader.Read(body);
        Assert.Equal(writer.Checksum, reader.Checksum);
        Assert.Throws<EndOfStreamException>(() => reader.Read(new byte[5]));
    }

    [Fact]
    public void The_trailer_reads_back_equal_to_the_checksum_and_is_not_added_to_it()
    {
        using var stream = new MemoryStream();
        var writer = new ChecksummedStream(stream);
        writer.Write([4, 5, 6, 7]);
        writer.WriteChecksum();

        stream.Position = 0;
        var reader = new ChecksummedStream(stream);
        reader.Read(new byte[4]);
        uint before = reader.Checksum;
        Assert.Equal(before, reader.ReadChecksum());
        Assert.Equal(before, reader.Checksum);
        Assert.Throws<EndOfStreamException>(() => reader.ReadChecksum());
    }

    [Fact]
    public void A_file_read_whole_matches_its_trailer_until_a_byte_changes_or_it_is_cut_short()
    {
        byte[] file = FileOf(10, 20, 30, 40, 50);

        Assert.True(ChecksummedStream.TrailerMatches(file));
        Assert.False(ChecksummedStream.TrailerMatches(file.AsSpan(0, file.Length - 1)));
        file[2] ^= 1;
        Assert.False(ChecksummedStream.TrailerMatches(file));
        Assert.False(ChecksummedStream.TrailerMatches([1, 2, 3]));
        Assert.True(ChecksummedStream.TrailerMatches([0, 0, 0, 0])); // an empty body: CRC-32 of nothing is 0
    }

    [Fact]
    public void The_trailer_of_a_whole_file_reports_the_stored_and_the_computed_checksum()
    {
        byte[] file = FileOf(10, 20, 30, 40, 50);
        uint written = Crc32.HashToUInt32(file.AsSpan(0, 5));

        Assert.Equal((written, written), ChecksummedStream.ReadTrailer(file));
        file[2] ^= 1;
        var (stored, computed) = ChecksummedStream.ReadTrailer(file);
        Assert.Equal(written, stored);
        Assert.Equal(Crc32.HashToUInt32(file.AsSpan(0, 5)), computed);
        Assert.NotEqual(stored, computed);
        Assert.Throws<ArgumentException>(() => ChecksummedStream.ReadTrailer([1, 2, 3]));
    }

    /// <summary>A whole file: <paramref name="body"/> and its trailer, as <see cref="ChecksummedStream"/> writes them.</summary>
    private static byte[] FileOf(params byte[] body)
    {
        using var stream = new MemoryStream();
        var writer = new ChecksummedStream(stream);
        writer.Write(body);
        writer.WriteChecksum();
        return stream.ToArray();
    }
}
