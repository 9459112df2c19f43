using System.Security.Cryptography;

namespace AgentMem.Agents.Activation;

/// <summary>
/// What activation memories (KV cartridges) and parametric memories (LoRA adapters) share: a local payload file computed from
/// source memories, whose ids and versions the provenance records (<see cref="ActivationSources"/>). Such a memory is stale when
/// a source has a new version (edited, deleted, archived), was purged, or when the file is missing or no longer matches its
/// <see cref="PayloadRef"/>. One implementation, so both kinds go stale for the same reasons.
/// </summary>
internal static class DerivedPayloads
{
    /// <summary>The local path a payload reference names (a file URI, or a plain path).</summary>
    public static string LocalPath(PayloadRef payload) =>
        Uri.TryCreate(payload.Uri, UriKind.Absolute, out var uri) && uri.IsFile ? uri.LocalPath : payload.Uri;

    /// <summary>True when the memory's payload file exists with the recorded size and SHA-256.</summary>
    public static bool IsIntact(MemoryItem item)
    {
        if (item.Payload is not { } payload)
        {
            return false;
        }

        string path = LocalPath(payload);
        if (!File.Exists(path) || new FileInfo(path).Length != payload.SizeBytes)
        {
            return false;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        return string.Equals(Convert.ToHexStringLower(SHA256.HashData(stream)), payload.Sha256, StringComparison.Ordinal);
    }

    /// <summary>A payload reference to the file at <paramref name="path"/> (file URI, size, SHA-256).</summary>
    public static PayloadRef Describe(string path, string mediaType)
    {
        byte[] sha;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan))
        {
            sha = SHA256.HashData(stream);
        }

        return new PayloadRef(new Uri(path).AbsoluteUri, mediaType, new FileInfo(path).Length, Convert.ToHexStringLower(sha));
    }

    /// <summary>
    /// Tenant and cube names become part of a file name: only letters, digits, '-' and '_' survive, so no name can leave the
    /// folder or collide with another's path syntax.
    /// </summary>
    public static string FileSafe(string name) => string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_'));

    /// <summary>
    /// Why <paramref name="derived"/> no longer reflects its sources, or null when it still does. <c>Purged</c> is true when a
    /// source no longer exists at all, so the payload holds content that must go with it.
    /// </summary>
    public static async Task<(string? Reason, bool Purged)> StaleReasonAsync(MemoryOS memory, Scope actor, MemoryItem derived, string fileNoun, CancellationToken cancellationToken)
    {
        var sources = ActivationSources.Parse(derived.Provenance.SourceRef);
        if (sources.Count == 0)
        {
            return ("its provenance lists no source memories", false);
        }

        foreach (var (id, version) in sources)
        {
            MemoryItem current;
            try
            {
                current = await memory.GetAsync(actor, id, cancellationToken).ConfigureAwait(false);
            }
            catch (MemoryNotFoundException)
            {
                return ($"source memory {id} was purged", true);
            }

            if (current.Version != version)
            {
                return ($"source memory {id} changed (v{version} -> v{current.Version}, now {current.State})", false);
            }
        }

        return (IsIntact(derived) ? null : $"its {fileNoun} file is missing or altered", false);
    }
}
