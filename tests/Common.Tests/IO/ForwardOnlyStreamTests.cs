// The array overloads of ReadAsync/WriteAsync are what these tests exercise, and every read here knows its length.
#pragma warning disable CA1835, CA2022

using AgentMem.Common.IO;

namespace AgentMem.Common.Tests.IO;

public sealed class ForwardOnlyStreamTests
{
    [Fact]
    public async Task A_reading_stream_gets_the_array_overloads_through_its_memory_read_and_refuses_the_rest()
    {
        using var stream = new Reader([1, 2, 3]);
        var buffer = new byte[8];
        Assert.Equal(3, await stream.ReadAsync(buffer, 2, 6));
        Assert.Equal(new byte[] { 0, 0, 1, 2, 3 }, buffer[..5]);
        Assert.False(stream.CanSeek);
        Assert.False(stream.CanWrite);
        Assert.Throws<NotSupportedException>(() => stream.Length);
        Assert.Throws<NotSupportedException>(() => stream.Position);
        Assert.Throws<NotSupportedException>(() => stream.Seek(0, SeekOrigin.Begin));
        Assert.Throws<NotSupportedException>(() => stream.Write([1], 0, 1));
        await Assert.ThrowsAsync<NotSupportedException>(async () => await stream.WriteAsync(new byte[1]));
    }

    [Fact]
    public async Task A_writing_stream_that_reads_nothing_refuses_reads_without_looping()
    {
        using var stream = new Writer();
        await stream.WriteAsync(new byte[] { 7, 8 }, 0, 2);
        Assert.Equal(new byte[] { 7, 8 }, stream.Written.ToArray());
        Assert.False(stream.CanRead);
        Assert.Throws<NotSupportedException>(() => stream.Read(new byte[1], 0, 1));
        await Assert.ThrowsAsync<NotSupportedException>(async () => await stream.ReadAsync(new byte[1], 0, 1));
        await Assert.ThrowsAsync<NotSupportedException>(async () => await stream.ReadAsync(new byte[1].AsMemory()));
    }

    private sealed class Reader(byte[] data) : ForwardOnlyStream
    {
        private int position;

        public override bool CanRead => true;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = Math.Min(buffer.Length, data.Length - position);
            data.AsSpan(position, n).CopyTo(buffer);
            position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));
    }

    private sealed class Writer : ForwardOnlyStream
    {
        public MemoryStream Written { get; } = new();

        public override bool CanWrite => true;

        public override void Write(byte[] buffer, int offset, int count) => Written.Write(buffer, offset, count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Written.Write(buffer.Span);
            return ValueTask.CompletedTask;
        }
    }
}
