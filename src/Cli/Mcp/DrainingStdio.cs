using AgentMem.Common.IO;

namespace AgentMem.Cli.Mcp;

/// <summary>
/// The stdio streams of <c>agentmem mcp</c>, watched by a <see cref="RequestLedger"/>: when the client closes standard
/// input, the end of input is held back until every request read before it has been answered (bounded by
/// <see cref="DrainTimeout"/>), so a client that pipes its requests and closes at once still gets every reply.
/// </summary>
internal sealed class DrainingStdio
{
    /// <summary>The longest the end of input waits for answers still being computed.</summary>
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(60);

    private readonly RequestLedger ledger = new();

    public DrainingStdio(Stream input, Stream output)
    {
        Input = new WatchedInput(input, ledger);
        Output = new WatchedOutput(output, ledger);
    }

    /// <summary>Standard input as the transport reads it.</summary>
    public Stream Input { get; }

    /// <summary>Standard output as the transport writes it.</summary>
    public Stream Output { get; }

    private sealed class WatchedInput(Stream inner, RequestLedger ledger) : ForwardOnlyStream
    {
        private readonly LineScanner lines = new(line => ledger.OnClientLine(line));

        public override bool CanRead => true;

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (read > 0)
            {
                lines.Feed(buffer.Span[..read]);
                return read;
            }

            if (lines.HasPartialLine && !buffer.IsEmpty)
            {
                // A final line without a newline: the transport's line reader hands on a line only once its newline comes, so
                // it is given one before the end of input waits for that line's answer (which could otherwise never come).
                lines.Feed("\n"u8);
                buffer.Span[0] = (byte)'\n';
                return 1;
            }

            // End of input: answer what was asked before reporting it.
            try
            {
                await ledger.AllAnswered.WaitAsync(DrainTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // A request that never finishes must not keep the process alive forever.
            }

            return 0;
        }
    }

    private sealed class WatchedOutput(Stream inner, RequestLedger ledger) : ForwardOnlyStream
    {
        private readonly LineScanner lines = new(line => ledger.OnServerLine(line));

        public override bool CanWrite => true;

        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            inner.Flush();
            lines.Feed(buffer.AsSpan(offset, count));
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            await inner.FlushAsync(cancellationToken).ConfigureAwait(false);

            // Counted once written and flushed: the answer has left the process when the input may end.
            lines.Feed(buffer.Span);
        }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
    }
}
