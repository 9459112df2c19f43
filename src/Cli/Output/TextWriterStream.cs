using System.Text;

namespace AgentMem.Cli.Output;

/// <summary>
/// A write-only stream that decodes the UTF-8 written to it onto a <see cref="TextWriter"/> (standard output as the CLI
/// holds it), so a long export streams through in the writer's chunks instead of being buffered whole first. A character
/// split between two writes is completed by the next.
/// </summary>
internal sealed class TextWriterStream(TextWriter writer) : Stream
{
    private readonly Decoder decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetDecoder();
    private char[] chars = [];

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        int n = Decode(buffer);
        writer.Write(chars.AsSpan(0, n));
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int n = Decode(buffer.Span);
        await writer.WriteAsync(chars.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => writer.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => writer.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private int Decode(ReadOnlySpan<byte> bytes)
    {
        int needed = decoder.GetCharCount(bytes, flush: false);
        if (chars.Length < needed)
        {
            chars = new char[Math.Max(needed, 4096)];
        }

        return decoder.GetChars(bytes, chars, flush: false);
    }
}
