using AgentMem.Agents.Blocks;

namespace AgentMem.Cli.Commands;

/// <summary>
/// The lines starting with <c>/</c> in an interactive chat: looking at and pruning what the agent remembers without leaving it.
/// </summary>
internal sealed class ChatSlashCommands(MemoryOS memory, CoreMemoryBlocks blocks, Scope scope, string cube, TextWriter output)
{
    /// <summary>How many memories <c>/memories</c> shows, newest last.</summary>
    private const int MemoriesShown = 20;

    /// <summary>One line per command, for the banner and <c>/help</c>.</summary>
    public const string Help = "/memories  /search QUERY  /forget ID  /blocks  /help  /exit";

    /// <summary>Whether <paramref name="line"/> is a slash command rather than a message.</summary>
    public static bool IsCommand(string line) => line.StartsWith('/');

    /// <summary>Runs the command in <paramref name="line"/>; false when it asks to end the chat.</summary>
    public async Task<bool> RunAsync(string line, CancellationToken cancellationToken)
    {
        string[] parts = line.Trim().Split(' ', 2, StringSplitOptions.TrimEntries);
        string argument = parts.Length > 1 ? parts[1] : string.Empty;
        try
        {
            switch (parts[0].ToLowerInvariant())
            {
                case "/exit" or "/quit":
                    return false;
                case "/memories":
                    await MemoriesAsync(cancellationToken).ConfigureAwait(false);
                    break;
                case "/search" when argument.Length > 0:
                    await SearchAsync(argument, cancellationToken).ConfigureAwait(false);
                    break;
                case "/forget" when argument.Length > 0:
                    var forgotten = await memory.DeleteAsync(scope, Parsing.Id(argument), "forgotten in chat", cancellationToken).ConfigureAwait(false);
                    await output.WriteLineAsync($"forgot {forgotten.Id}: {MemoryView.Clip(forgotten.Text, 70)}").ConfigureAwait(false);
                    break;
                case "/blocks":
                    var written = await blocks.ListAsync(scope, cube, cancellationToken).ConfigureAwait(false);
                    await output.WriteLineAsync(written.Count == 0 ? "(no core memory blocks written yet)" : TerminalText.Safe(CoreMemoryBlocks.Render(written))).ConfigureAwait(false);
                    break;
                default:
                    await output.WriteLineAsync(Help).ConfigureAwait(false);
                    break;
            }
        }
        catch (Exception ex) when (ex is AgentMemException or FormatException)
        {
            // A mistyped id should not end the chat.
            await output.WriteLineAsync($"error: {TerminalText.Safe(ex.Message)}").ConfigureAwait(false);
        }

        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task MemoriesAsync(CancellationToken cancellationToken)
    {
        var recent = new Queue<MemoryItem>();
        await foreach (var item in memory.ListAsync(scope, cube, new MemoryFilter { States = MemoryFilter.LiveStates }, cancellationToken).ConfigureAwait(false))
        {
            recent.Enqueue(item);
            if (recent.Count > MemoriesShown)
            {
                recent.Dequeue();
            }
        }

        if (recent.Count == 0)
        {
            await output.WriteLineAsync("(no memories yet)").ConfigureAwait(false);
        }

        foreach (var item in recent)
        {
            await output.WriteLineAsync($"{item.Id}  {TerminalText.Safe(item.Provenance.Actor ?? string.Empty),-9}  {MemoryView.Clip(item.Text, 70)}").ConfigureAwait(false);
        }
    }

    private async Task SearchAsync(string query, CancellationToken cancellationToken)
    {
        var hits = await memory.SearchAsync(scope, cube, query, 10, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (hits.Count == 0)
        {
            await output.WriteLineAsync("(nothing found)").ConfigureAwait(false);
        }

        foreach (var hit in hits)
        {
            await output.WriteLineAsync(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{hit.Item.Id}  {hit.Score:0.000}  {MemoryView.Clip(hit.Item.Text, 70)}")).ConfigureAwait(false);
        }
    }
}
