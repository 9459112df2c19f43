using AgentMem.Common.IO;

namespace AgentMem.Cli.Mcp;

/// <summary>
/// The stdio streams of <c>agentmem mcp</c>, watched by a <see cref="RequestLedger"/>: when the client closes standard
/// input, the end of input is held back until every request read before it has been answered (bounded by
/// <see cref="DrainTimeout"/>), so a client that pipes its requests and closes at once still gets every reply. Requests
/// still running at the timeout are stopped through <see cref="Overdue"/> and answered with an error saying so, so the
/// process ends near the timeout with every request answered.
/// </summary>
internal sealed class DrainingStdio : IDisposable
{
    /// <summary>The longest the end of input waits for answers still being computed.</summary>
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The longest the end of input then waits for the requests stopped at the drain timeout to answer: one whose handler
    /// ignores its cancellation must not keep the process alive either (it ends unanswered).
    /// </summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly RequestLedger ledger = new();
    private readonly CancellationTokenSource overdue = new();

    public DrainingStdio(Stream input, Stream output)
        : this(input, output, DrainTimeout)
    {
    }

    /// <summary>The streams, with <paramref name="drainTimeout"/> in place of <see cref="DrainTimeout"/>.</summary>
    public DrainingStdio(Stream input, Stream output, TimeSpan drainTimeout)
    {
        Input = new WatchedInput(input, ledger, drainTimeout, overdue);
        Output = new WatchedOutput(output, ledger);
    }

    /// <summary>
    /// Cancelled when the client has ended its input and requests read before it are still unanswered after the drain
    /// timeout: their handlers are to stop and answer with an error (<see cref="OverdueRequests"/>).
    /// </summary>
    public CancellationToken Overdue => overdue.Token;

    /// <summary>Standard input as the transport reads it.</summary>
    public Stream Input { get; }

    /// <summary>Standard output as the transport writes it.</summary>
    public Stream Output { get; }

    public void Dispose() => overdue.Dispose();

    private sealed class WatchedInput(Stream inner, RequestLedger ledger, TimeSpan drainTimeout, CancellationTokenSource overdue) : ForwardOnlyStream
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
            if (!await AnsweredWithinAsync(drainTimeout, cancellationToken).ConfigureAwait(false))
            {
                // A request that never finishes must not keep the process alive forever, nor end unanswered: reporting the end
                // alone closed the transport, and the server still waited for the request, then dropped its answer. Stopped,
                // each answers with an error saying why, which goes out before the end is reported.
                await overdue.CancelAsync().ConfigureAwait(false);
                await AnsweredWithinAsync(StopTimeout, cancellationToken).ConfigureAwait(false);
            }

            return 0;
        }

        private async Task<bool> AnsweredWithinAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            try
            {
                await ledger.AllAnswered.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (TimeoutException)
            {
                return false;
            }
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
