using System.Collections.Concurrent;
using System.Diagnostics;

namespace AgentMem.StoreChoice.Bench;

/// <summary>Collects a child writer's acknowledgements and other lines as they arrive.</summary>
internal sealed class ChildOutput
{
    private readonly TaskCompletionSource<string> firstLine = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ChildOutput(Process process)
    {
        process.OutputDataReceived += (_, e) => Take(e.Data);
        process.BeginOutputReadLine();
        process.ErrorDataReceived += (_, e) => { };
        process.BeginErrorReadLine();
    }

    /// <summary>Acknowledged ids and their content hashes.</summary>
    public ConcurrentDictionary<string, string> Acked { get; } = new(StringComparer.Ordinal);

    /// <summary>Lines that were neither "ready" nor an acknowledgement (errors).</summary>
    public ConcurrentQueue<string> Other { get; } = new();

    /// <summary>"ready", an error line, or null if the child ended without a word.</summary>
    public Task<string> FirstLine => firstLine.Task;

    private void Take(string? line)
    {
        if (line is null)
        {
            firstLine.TrySetResult("(exited)");
            return;
        }

        firstLine.TrySetResult(line);
        var parts = line.Split(' ');

        // A line cut by the kill is not an acknowledgement: only whole "ack ID HASH" lines count.
        if (parts is ["ack", var id, var hash] && hash.Length == 64)
        {
            Acked[id] = hash;
        }
        else if (line != "ready" && line != "done")
        {
            Other.Enqueue(line);
        }
    }
}
