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

    /// <summary>
    /// Every file under <paramref name="roots"/> (folders, recursively, or single files) that holds <paramref name="token"/>,
    /// and every file or folder that could not be read (<see cref="TraceHit.Unreadable"/>): the scan goes on past them
    /// rather than failing, and does not call them clean.
    /// </summary>
    public static IReadOnlyList<TraceHit> Find(IEnumerable<string> roots, string token)
    {
        var patterns = Patterns(token);
        var hits = new List<TraceHit>();
        var unreadable = new List<string>();
        foreach (string file in Files(roots, unreadable).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            string? encoding;
            try
            {
                encoding = FirstMatch(file, patterns);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                encoding = TraceHit.UnreadableEncoding;
            }

            if (encoding is not null)
            {
                hits.Add(new TraceHit(file, encoding));
            }
        }

        hits.AddRange(unreadable.Select(folder => new TraceHit(folder, TraceHit.UnreadableEncoding)));
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
            // Cut at a character, not inside a surrogate pair: a lone low surrogate encodes as U+FFFD, which no file holds.
            int half = lower.Length / 2;
            half -= char.IsLowSurrogate(lower[half]) ? 1 : 0;
            result.Add(("utf-8, tail", Encoding.UTF8.GetBytes(lower[half..])));
        }

        return result;
    }

    private static IEnumerable<string> Files(IEnumerable<string> roots, List<string> unreadable)
    {
        foreach (string root in roots)
        {
            if (File.Exists(root))
            {
                yield return Path.GetFullPath(root);
            }
            else if (Directory.Exists(root))
            {
                foreach (string file in FilesUnder(Path.GetFullPath(root), unreadable))
                {
                    yield return file;
                }
            }
        }
    }

    // Folder by folder, so one that cannot be listed is noted and the rest is still scanned.
    private static IEnumerable<string> FilesUnder(string root, List<string> unreadable)
    {
        var pending = new Stack<string>();
        pending.Push(root);
        var options = new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = false, AttributesToSkip = FileAttributes.ReparsePoint };
        while (pending.TryPop(out string? folder))
        {
            List<string> files, folders;
            try
            {
                files = [.. Directory.EnumerateFiles(folder, "*", options)];
                folders = [.. Directory.EnumerateDirectories(folder, "*", options)];
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                unreadable.Add(folder);
                continue;
            }

            foreach (string file in files)
            {
                yield return Path.GetFullPath(file);
            }

            foreach (string sub in folders)
            {
                pending.Push(sub);
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
