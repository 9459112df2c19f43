using System.Text;

namespace AgentMem.Common.Traces;

/// <summary>
/// Scans files byte by byte for a token, as UTF-8 and UTF-16 (both byte orders), as given and lower-cased (full-text
/// indexes fold case), as UTF-8 lower-cased without the diacritics of its Latin letters (SQLite's full-text index removes
/// them), and for a long token the second half of those lower-cased forms too: the check behind <c>forget --verify</c>, which must see what SQLite's free pages, its write-ahead
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

        // The FTS5 index ('unicode61 remove_diacritics 2') holds "Zoë" as "zoe": a leftover term has no diacritics.
        string lower = token.ToLowerInvariant();
        string bare = WithoutDiacritics(lower);
        if (!string.Equals(bare, lower, StringComparison.Ordinal))
        {
            result.Add(("utf-8, without diacritics", Encoding.UTF8.GetBytes(bare)));
        }

        // FTS5 stores a term prefix-compressed against the term before it on the page, so a lower-cased token may be there
        // only as its tail; a long token's second half is still specific enough to count.
        foreach (string form in new[] { lower, bare }.Distinct(StringComparer.Ordinal).Where(f => f.Length >= MinTailScan))
        {
            // Cut at a character, not inside a surrogate pair: a lone low surrogate encodes as U+FFFD, which no file holds.
            int half = form.Length / 2;
            half -= char.IsLowSurrogate(form[half]) ? 1 : 0;
            result.Add(("utf-8, tail", Encoding.UTF8.GetBytes(form[half..])));
        }

        return result;
    }

    // As SQLite's remove_diacritics 2 does, as far as .NET's decompositions go: a Latin letter with diacritics (its table
    // covers U+00C0-U+024F and U+1E00-U+1EFF) becomes its ASCII base letter, and a combining diacritic is dropped. Other
    // scripts keep theirs (FTS5 stores a Cyrillic "й" as it is).
    private static string WithoutDiacritics(string lower)
    {
        var result = new StringBuilder(lower.Length);
        foreach (char c in lower)
        {
            if (c is >= '\u0300' and <= '\u036F')
            {
                continue;
            }

            if (c is (>= '\u00C0' and <= '\u024F') or (>= '\u1E00' and <= '\u1EFF'))
            {
                string parts = c.ToString().Normalize(NormalizationForm.FormD);
                if (parts.Length > 1 && char.IsAsciiLetter(parts[0]) && !parts.AsSpan(1).ContainsAnyExceptInRange('\u0300', '\u036F'))
                {
                    result.Append(parts[0]);
                    continue;
                }
            }

            result.Append(c);
        }

        return result.ToString();
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
