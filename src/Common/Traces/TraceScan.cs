using System.Text;

namespace AgentMem.Common.Traces;

/// <summary>
/// Scans files byte by byte for a token, as UTF-8 and UTF-16 (both byte orders), as given and lower-cased (full-text
/// indexes fold case), and for a long token its lower-cased second half too: the check behind <c>forget --verify</c>, which must see what SQLite's free pages, its write-ahead
/// log and the index files still hold, not what a query returns. Tests use it too (a purge's and PostgreSQL's data
/// files), so there is one scanner.
/// </summary>
public static class TraceScan
{
    private const int ChunkBytes = 1 << 20;

    // Tokens this long are also looked for by their second half (at least 6 characters).
    private const int MinTailScan = 12;

    /// <summary>Every file under <paramref name="roots"/> (folders, recursively, or single files) that holds <paramref name="token"/>.</summary>
    public static IReadOnlyList<TraceHit> Find(IEnumerable<string> roots, string token)
    {
        var patterns = Patterns(token);
        var hits = new List<TraceHit>();
        foreach (string file in Files(roots).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (FirstMatch(file, patterns) is { } encoding)
            {
                hits.Add(new TraceHit(file, encoding));
            }
        }

        return hits;
    }

    private static List<(string Encoding, byte[] Bytes)> Patterns(string token)
    {
        var result = new List<(string, byte[])>();
        foreach (string form in new[] { token, token.ToLowerInvariant() }.Distinct(StringComparer.Ordinal))
        {
            result.Add(("utf-8", Encoding.UTF8.GetBytes(form)));
            result.Add(("utf-16le", Encoding.Unicode.GetBytes(form)));
            result.Add(("utf-16be", Encoding.BigEndianUnicode.GetBytes(form)));
        }

        // FTS5 stores a term prefix-compressed against the term before it on the page, so a lower-cased token may be there
        // only as its tail; a long token's second half is still specific enough to count.
        string lower = token.ToLowerInvariant();
        if (lower.Length >= MinTailScan)
        {
            result.Add(("utf-8, tail", Encoding.UTF8.GetBytes(lower[(lower.Length / 2)..])));
        }

        return result;
    }

    private static IEnumerable<string> Files(IEnumerable<string> roots)
    {
        foreach (string root in roots)
        {
            if (File.Exists(root))
            {
                yield return Path.GetFullPath(root);
            }
            else if (Directory.Exists(root))
            {
                foreach (string file in Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = false, AttributesToSkip = FileAttributes.ReparsePoint }))
                {
                    yield return Path.GetFullPath(file);
                }
            }
        }
    }

    // Chunks overlap by the longest pattern less one byte, so a token split across a chunk boundary is still seen.
    private static string? FirstMatch(string file, List<(string Encoding, byte[] Bytes)> patterns)
    {
        int overlap = patterns.Max(p => p.Bytes.Length) - 1;
        var buffer = new byte[ChunkBytes + overlap];
        FileStream stream;
        try
        {
            stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null; // gone since it was listed (SQLite removes its -shm and -wal files on close): it holds nothing now
        }

        using var owned = stream;
        int kept = 0;
        while (true)
        {
            int read = stream.ReadAtLeast(buffer.AsSpan(kept, ChunkBytes), ChunkBytes, throwOnEndOfStream: false);
            var window = buffer.AsSpan(0, kept + read);
            foreach (var (encoding, bytes) in patterns)
            {
                if (window.IndexOf(bytes) >= 0)
                {
                    return encoding;
                }
            }

            if (read < ChunkBytes)
            {
                return null;
            }

            kept = Math.Min(overlap, window.Length);
            window[^kept..].CopyTo(buffer);
        }
    }
}
