using AgentMem.Common.IO;

namespace AgentMem.Server.Hosting;

/// <summary>
/// A request body that fails with 413 once more than the limit has been read. Kestrel enforces the
/// limit itself; this covers servers that do not (the ASP.NET test host) for bodies without a Content-Length.
/// </summary>
internal sealed class LimitedReadStream(Stream inner, long limit) : ForwardOnlyStream
{
    private long read;

    public override bool CanRead => true;

    public override long Position
    {
        get => read;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    private int Count(int n)
    {
        read += n;
        return read > limit
            ? throw new BadHttpRequestException(ProblemMapping.BodyTooLarge(limit), StatusCodes.Status413PayloadTooLarge)
            : n;
    }
}
