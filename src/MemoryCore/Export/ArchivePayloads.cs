using AgentMem.Common.IO;

namespace AgentMem.MemoryCore.Export;

/// <summary>
/// Makes the payload files an archive names the importing database's own. An archive carries an activation or parametric
/// memory's payload (a KV cartridge, a LoRA adapter) as a reference to a file, not its bytes: restored as is, two databases
/// named one file, and a purge or cube delete in either deleted the file the other's memory still named. Each file that exists
/// and holds the recorded bytes is copied into the importing database's payload folder
/// (<see cref="MemoryOSOptions.PayloadFolder"/>), in <c>imported/CUBE-ID/SHA256.EXT</c>, and the references to it rewritten;
/// one missing or altered keeps its reference, which leaves its memory stale (its scheduler builds it again). Other payloads
/// (a plaintext memory's image or document) are the user's files, referenced, not owned: they are left as they are.
/// </summary>
public static class ArchivePayloads
{
    /// <summary>
    /// Copies the payload files of <paramref name="archive"/> into <paramref name="payloadFolder"/> (see the class remarks),
    /// before the restore: a file that cannot be written there (a full disk) fails the call, with no copy of this call left.
    /// </summary>
    /// <returns>The archive with its references rewritten, the counts, and the files this call wrote, which a restore that then fails deletes (<see cref="ArchivePayloadCopy.DeleteMade"/>).</returns>
    /// <exception cref="IOException">A copy could not be written into the payload folder.</exception>
    /// <exception cref="UnauthorizedAccessException">The payload folder may not be written.</exception>
    public static async Task<ArchivePayloadCopy> CopyIntoAsync(CubeArchive archive, string payloadFolder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(archive);
        ArgumentException.ThrowIfNullOrWhiteSpace(payloadFolder);
        string folder = Path.Combine(Path.GetFullPath(payloadFolder), "imported", archive.Cube.Id); // the id is a checked ULID
        var local = new Dictionary<PayloadRef, PayloadRef?>(); // versions of a memory name the same file: copied once
        var made = new List<string>();
        var memories = new List<IReadOnlyList<MemoryItem>>(archive.Memories.Count);
        try
        {
            foreach (var history in archive.Memories)
            {
                List<MemoryItem>? rewritten = null;
                for (int i = 0; i < history.Count; i++)
                {
                    if (history[i] is not { Kind: MemoryKind.Activation or MemoryKind.Parametric, Payload: { } payload })
                    {
                        continue;
                    }

                    if (!local.TryGetValue(payload, out var own))
                    {
                        own = payload.IsLocalFileIn(payloadFolder) ? payload : await CopyAsync(payload, folder, made, cancellationToken).ConfigureAwait(false);
                        local[payload] = own;
                    }

                    if (own is not null && own != payload)
                    {
                        rewritten ??= [.. history];
                        rewritten[i] = history[i] with { Payload = own };
                    }
                }

                memories.Add(rewritten ?? history);
            }
        }
        catch
        {
            new ArchivePayloadCopy(archive, 0, 0, made).DeleteMade();
            throw;
        }

        int stale = local.Values.Count(v => v is null);
        return new ArchivePayloadCopy(archive with { Memories = memories }, local.Count - stale, stale, made);
    }

    /// <summary>
    /// The copy of <paramref name="payload"/>'s file in <paramref name="folder"/>, named by its SHA-256, or null when the file
    /// is missing, unreadable or does not hold the recorded bytes (the copy is checked, so a file changed meanwhile is too).
    /// </summary>
    private static async Task<PayloadRef?> CopyAsync(PayloadRef payload, string folder, List<string> made, CancellationToken cancellationToken)
    {
        string source = payload.LocalPath;
        if (!File.Exists(source) || new FileInfo(source).Length != payload.SizeBytes)
        {
            return null; // not worth reading: it cannot hold the recorded bytes
        }

        string extension = Path.GetExtension(source) is { Length: > 1 and <= 16 } e && e[1..].All(char.IsAsciiLetterOrDigit) ? e : string.Empty;
        string path = Path.Combine(folder, payload.Sha256.ToLowerInvariant() + extension);
        var copy = payload with { Uri = new Uri(path).AbsoluteUri };
        if (copy.IsIntactLocalFile())
        {
            return copy; // there already: an import run again after one that failed or was killed
        }

        FileStream input;
        try
        {
            input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null; // gone since, or not this user's to read: its memory is stale, as for a missing file
        }

        await using (input.ConfigureAwait(false))
        {
            Directory.CreateDirectory(folder);
            await CrashSafeFile.WriteAsync(path, (output, token) => input.CopyToAsync(output, token), cancellationToken).ConfigureAwait(false);
        }

        made.Add(path);
        if (copy.IsIntactLocalFile())
        {
            return copy;
        }

        File.Delete(path);
        made.Remove(path);
        return null;
    }
}
