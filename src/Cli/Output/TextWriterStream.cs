using System.Text;
using AgentMem.Common.IO;

namespace AgentMem.Cli.Output;

/// <summary>
/// A write-only stream that decodes the UTF-8 written to it onto a <see cref="TextWriter"/> (standard output as the CLI
/// holds it), so a long export streams through in the writer's chunks instead of being buffered whole first. A character
/// split between two writes is completed by the next.
/// </summary>
internal sealed class TextWriterStream(TextWriter writer) : ForwardOnlyStream
{
    private readonly Decoder decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetDecoder();
    private char[] chars = [];

    public override bool CanWrite => true;

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

    public override void Flush() => writer.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => writer.FlushAsync(cancellationToken);

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
