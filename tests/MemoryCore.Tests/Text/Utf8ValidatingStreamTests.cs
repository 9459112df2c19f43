using System.Text;
using AgentMem.MemoryCore.Text;

namespace AgentMem.MemoryCore.Tests.Text;

/// <summary>
/// The check of a file streamed in reads of any size (an archive of 2 GiB or more cannot be read whole) finds what the
/// check of the whole file finds, at the same byte, line and column, and passes valid bytes on unchanged.
/// </summary>
public sealed class Utf8ValidatingStreamTests
{
    public static TheoryData<string, byte[]> Invalid => new()
    {
        { "a lead byte without its continuation", [0xC3, 0x28] },
        { "a UTF-8 encoded surrogate", [0xED, 0xA0, 0x80] },
        { "an overlong encoding of '/'", [0xC0, 0xAF] },
        { "a four-byte sequence broken at its last byte", [0xF0, 0x9F, 0x98, 0x41] },
        { "a byte that never starts a sequence", [0xFF] },
    };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(4096)]
    public async Task Valid_text_split_anywhere_passes_through_unchanged(int chunk)
    {
        byte[] bytes = [.. Encoding.UTF8.Preamble, .. Encoding.UTF8.GetBytes(Text(lines: 50, "café € 😀 ünïcödé"))];
        Assert.Equal(bytes, await ReadAllAsync(bytes, chunk));
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public async Task Invalid_bytes_are_reported_where_the_whole_file_check_reports_them_whatever_the_reads(string what, byte[] bad)
    {
        byte[] valid = Encoding.UTF8.GetBytes(Text(lines: 40, "naïve 😀"));
        int at = valid.Length * 2 / 3;
        while ((valid[at] & 0xC0) == 0x80)
        {
            at++; // not inside a character
        }

        byte[] bytes = [.. valid[..at], .. bad, .. valid[at..]];
        string expected = Utf8Validation.DescribeInvalid(bytes)!;
        Assert.DoesNotContain("(line 1,", expected, StringComparison.Ordinal); // deep in the file, past the first line
        foreach (int chunk in new[] { 1, 2, 3, 5, 64, 4096 })
        {
            var ex = await Assert.ThrowsAsync<InvalidDataException>(() => ReadAllAsync(bytes, chunk));
            Assert.True(ex.Message == expected, $"{what}, reads of {chunk}: '{ex.Message}', not '{expected}'");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4096)]
    public async Task A_sequence_cut_off_at_the_end_of_the_file_is_reported_at_its_start(int chunk)
    {
        byte[] bytes = [.. Encoding.UTF8.GetBytes("line one\nline two €"), 0xE2, 0x82];
        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => ReadAllAsync(bytes, chunk));
        Assert.Equal(Utf8Validation.DescribeInvalid(bytes), ex.Message);
        Assert.Equal($"invalid UTF-8 at byte {bytes.Length - 2} (line 2, column 13)", ex.Message);
    }

    private static string Text(int lines, string words) =>
        string.Concat(Enumerable.Range(1, lines).Select(i => $"line {i}: {string.Concat(Enumerable.Repeat(words + " ", i % 7 + 1))}\n"));

    private static async Task<byte[]> ReadAllAsync(byte[] bytes, int chunk)
    {
        await using var checkedStream = new Utf8ValidatingStream(new Trickle(bytes, chunk), invalid => new InvalidDataException(invalid));
        using var copy = new MemoryStream();
        await checkedStream.CopyToAsync(copy);
        return copy.ToArray();
    }

    /// <summary>A stream that hands out at most <paramref name="chunk"/> bytes a read, as a file or pipe may.</summary>
    private sealed class Trickle(byte[] bytes, int chunk) : MemoryStream(bytes, writable: false)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, chunk)]);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            base.ReadAsync(buffer, offset, Math.Min(count, chunk), cancellationToken);
    }
}
