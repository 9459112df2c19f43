using AgentMem.Agents;

namespace AgentMem.Cli.Commands;

/// <summary>
/// One person's chat with a <see cref="MemoryAgent"/>: turns streamed to a writer as the model produces them, in one
/// conversation. What the agent writes back happens only when a reply completes, so a cancelled turn leaves nothing stored.
/// </summary>
internal sealed class ChatSession(MemoryAgent agent, string userId, string conversationId, string endpoint)
{
    /// <summary>The session of every memory this chat writes.</summary>
    public string ConversationId => conversationId;

    /// <summary>
    /// Runs one turn, writing the reply's text to <paramref name="stream"/> (when given) chunk by chunk, flushed as each
    /// arrives. Returns the completed turn; throws <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/>
    /// stops it (nothing is then written back).
    /// </summary>
    public async Task<MemoryAgentTurn> TurnAsync(string message, TextWriter? stream, CancellationToken cancellationToken)
    {
        MemoryAgentTurn? completed = null;
        try
        {
            await foreach (var update in agent.ChatStreamingAsync(userId, message, conversationId, cancellationToken).ConfigureAwait(false))
            {
                if (stream is not null && !string.IsNullOrEmpty(update.Text))
                {
                    await stream.WriteAsync(update.Text).ConfigureAwait(false);
                    await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                }

                completed = update.Completed ?? completed;
            }
        }
        catch (HttpRequestException ex) when (ex.StatusCode is null)
        {
            throw new HttpRequestException($"cannot reach the chat endpoint {endpoint}: {ex.Message}", ex);
        }
        catch (ArgumentException ex)
        {
            // The local model host refuses a prompt longer than its context.
            throw new MemoryValidationException($"{endpoint} cannot take this turn: {ex.Message}", ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Not ours: the HTTP client's own timeout.
            throw new HttpRequestException($"the chat endpoint {endpoint} did not answer in time.", ex);
        }

        return completed ?? throw new InvalidOperationException("the agent ended the turn without completing it.");
    }
}
