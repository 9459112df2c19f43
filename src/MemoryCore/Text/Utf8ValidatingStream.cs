using System.Buffers;
using System.Text.Unicode;
using AgentMem.Common.IO;

namespace AgentMem.MemoryCore.Text;

/// <summary>
/// A read-only stream over <paramref name="inner"/> that checks the bytes it passes on are UTF-8, and throws what
/// <paramref name="fail"/> makes of the first spot that is not (described as <see cref="Utf8Validation.DescribeInvalid"/>
/// does: the same byte, line and column). It lets a file too large to read whole (2 GiB and more) be checked as strictly,
/// as it streams: every byte is checked before the read that reaches the end of <paramref name="inner"/> returns.
/// </summary>
internal sealed class Utf8ValidatingStream(Stream inner, Func<string, Exception> fail) : ForwardOnlyStream
{
    // The start of a character cut off at the end of the last read (at most 3 bytes), checked with the next read's bytes.
    private readonly byte[] pending = new byte[4];
    private int pendingCount;
    private long position; // bytes passed on so far
    private long lines = 1; // line of the byte at position
    private long lastNewline = -1; // position of the last '\n' passed on, -1 for none

    /// <inheritdoc/>
    public override bool CanRead => true;

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        int read = inner.Read(buffer);
        Check(buffer[..read]);
        return read;
    }

    /// <inheritdoc/>
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Check(buffer.Span[..read]);
        return read;
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Checks the bytes of one read (none: the end), then counts them.</summary>
    private void Check(ReadOnlySpan<byte> data)
    {
        int from = 0;
        if (pendingCount > 0)
        {
            // The cut-off character, completed from this read's first bytes (or, at the end, cut off for good).
            int take = Math.Min(data.Length, pending.Length - pendingCount);
            Span<byte> joined = stackalloc byte[pending.Length];
            pending.AsSpan(0, pendingCount).CopyTo(joined);
            data[..take].CopyTo(joined[pendingCount..]);
            var status = Rune.DecodeFromUtf8(joined[..(pendingCount + take)], out _, out int used);
            if (status == OperationStatus.NeedMoreData && data.Length > 0)
            {
                data.CopyTo(pending.AsSpan(pendingCount));
                pendingCount += data.Length;
                Count(data);
                return;
            }

            if (status != OperationStatus.Done)
            {
                throw Fail(position - pendingCount, data);
            }

            from = used - pendingCount;
            pendingCount = 0;
        }

        var rest = data[from..];
        if (!Utf8.IsValid(rest))
        {
            Span<char> scratch = stackalloc char[512];
            int offset = 0;
            while (true)
            {
                var status = Utf8.ToUtf16(rest[offset..], scratch, out int read, out _, replaceInvalidSequences: false, isFinalBlock: false);
                offset += read;
                if (status == OperationStatus.Done)
                {
                    break;
                }

                if (status == OperationStatus.NeedMoreData)
                {
                    rest[offset..].CopyTo(pending);
                    pendingCount = rest.Length - offset;
                    break;
                }

                if (status == OperationStatus.InvalidData)
                {
                    throw Fail(position + from + offset, data);
                }
            }
        }

        Count(data);
    }

    private void Count(ReadOnlySpan<byte> data)
    {
        int newlines = data.Count((byte)'\n');
        if (newlines > 0)
        {
            lines += newlines;
            lastNewline = position + data.LastIndexOf((byte)'\n');
        }

        position += data.Length;
    }

    /// <summary>The error for invalid data at <paramref name="at"/>: at or after <see cref="position"/> is in <paramref name="data"/>.</summary>
    private Exception Fail(long at, ReadOnlySpan<byte> data)
    {
        long line = lines;
        long newline = lastNewline;
        if (at > position)
        {
            var before = data[..(int)(at - position)];
            line += before.Count((byte)'\n');
            if (before.LastIndexOf((byte)'\n') is int last and >= 0)
            {
                newline = position + last;
            }
        }

        return fail(string.Create(CultureInfo.InvariantCulture, $"invalid UTF-8 at byte {at} (line {line}, column {at - newline})"));
    }
}
