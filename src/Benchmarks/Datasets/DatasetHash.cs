namespace AgentMem.Benchmarks.Datasets;

/// <summary>Content hashes of dataset sources, for run manifests.</summary>
public static class DatasetHash
{
    /// <summary>
    /// Lower-case hex SHA-256 of a file's bytes. For a directory (ConvoMem), the SHA-256 of, for
    /// each <c>*.json</c> file in ordinal order of its relative path (with <c>/</c> separators):
    /// the UTF-8 relative path, a zero byte, then the file's 32-byte SHA-256.
    /// </summary>
    /// <param name="path">A file or directory.</param>
    /// <returns>64 lower-case hex digits.</returns>
    public static string ComputeSha256(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            var files = JsonFilesIn(path)
                .Select(f => (Relative: RelativeName(path, f), Hash: HashFile(f)))
                .ToList();
            return Combine(files);
        }

        return Convert.ToHexStringLower(HashFile(path));
    }

    internal static IReadOnlyList<string> JsonFilesIn(string directory) =>
        Directory.EnumerateFiles(directory, "*.json", SearchOption.AllDirectories)
            .OrderBy(f => RelativeName(directory, f), StringComparer.Ordinal)
            .ToList();

    internal static string RelativeName(string directory, string file) =>
        Path.GetRelativePath(directory, file).Replace('\\', '/');

    internal static string Combine(IEnumerable<(string Relative, byte[] Hash)> files)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach ((string relative, byte[] fileHash) in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(relative));
            hash.AppendData([0]);
            hash.AppendData(fileHash);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static byte[] HashFile(string file)
    {
        using FileStream stream = File.OpenRead(file);
        return SHA256.HashData(stream);
    }
}
