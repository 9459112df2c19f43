namespace AgentMem.Cli.Mcp;

/// <summary>Cuts a byte stream into lines (without the newline), holding a partial line until its end arrives.</summary>
internal sealed class LineScanner(Action<byte[]> onLine)
{
    private readonly List<byte> partial = [];

    /// <summary>Whether bytes of a line whose newline has not arrived are held.</summary>
    public bool HasPartialLine => partial.Count > 0;

    /// <summary>Feeds bytes as they pass; each complete line is handed to the callback.</summary>
    public void Feed(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            int newline = bytes.IndexOf((byte)'\n');
            if (newline < 0)
            {
                partial.AddRange(bytes);
                return;
            }

            partial.AddRange(bytes[..newline]);
            onLine([.. partial]);
            partial.Clear();
            bytes = bytes[(newline + 1)..];
        }
    }
}
