using System.Security.Cryptography;
using System.Text.Json.Serialization;

namespace AgentMem.MemoryCore.Model;

/// <summary>
/// A reference to a binary payload held outside the text store: a KV-cache cartridge for
/// <see cref="MemoryKind.Activation"/> or a weight delta for <see cref="MemoryKind.Parametric"/>.
/// </summary>
/// <param name="Uri">Where the payload lives (a file path or URI).</param>
/// <param name="MediaType">Its format, e.g. <c>application/x-agentmem-cartridge</c>.</param>
/// <param name="SizeBytes">Its length in bytes.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the payload bytes, for integrity checks.</param>
public sealed record PayloadRef(string Uri, string MediaType, long SizeBytes, string Sha256)
{
    /// <summary>A reference to the local file at <paramref name="path"/>: its file URI, length and SHA-256.</summary>
    public static PayloadRef ForLocalFile(string path, string mediaType)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentException.ThrowIfNullOrWhiteSpace(mediaType);
        string sha = HashOf(path);
        return new PayloadRef(new Uri(Path.GetFullPath(path)).AbsoluteUri, mediaType, new FileInfo(path).Length, sha);
    }

    /// <summary>The path of the local file the reference names: a file URI's path, or the reference itself read as a path.</summary>
    [JsonIgnore] // derived from Uri: not a fourth field of the stored reference, nor this machine's path in an answer
    public string LocalPath => System.Uri.TryCreate(Uri, UriKind.Absolute, out var uri) && uri.IsFile ? uri.LocalPath : Uri;

    /// <summary>True when <see cref="LocalPath"/> is a file with the recorded size and SHA-256: the very bytes described here.</summary>
    public bool IsIntactLocalFile()
    {
        string path = LocalPath;
        if (!File.Exists(path) || new FileInfo(path).Length != SizeBytes)
        {
            return false;
        }

        return string.Equals(HashOf(path), Sha256, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// True when the reference is a <c>file:</c> URI naming a file inside <paramref name="folder"/> (at any depth, the path
    /// normalised first, so <c>..</c> cannot step out): a database's own payload files lie in its payload folder
    /// (<see cref="MemoryOSOptions.PayloadFolder"/>), and one elsewhere may be another database's or the user's.
    /// </summary>
    public bool IsLocalFileIn(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (!System.Uri.TryCreate(Uri, UriKind.Absolute, out var uri) || !uri.IsFile)
        {
            return false;
        }

        string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)) + Path.DirectorySeparatorChar;
        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return Path.GetFullPath(uri.LocalPath).StartsWith(root, comparison);
    }

    /// <summary>
    /// Deletes the local file the reference names, and only when it is a <c>file:</c> URI whose file still holds the recorded
    /// bytes (<see cref="IsIntactLocalFile"/>); returns whether it did. A reference is data (an imported archive carries it as
    /// is), so one naming any other file (the database, another tenant's cartridge) must not get that file deleted.
    /// </summary>
    /// <exception cref="IOException">The file is there but could not be deleted.</exception>
    /// <exception cref="UnauthorizedAccessException">The file is there but may not be deleted.</exception>
    public bool DeleteIfIntactLocalFile()
    {
        if (!System.Uri.TryCreate(Uri, UriKind.Absolute, out var uri) || !uri.IsFile || !IsIntactLocalFile())
        {
            return false;
        }

        File.Delete(uri.LocalPath);
        return true;
    }

    private static string HashOf(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
