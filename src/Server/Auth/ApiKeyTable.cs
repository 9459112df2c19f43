using System.Collections.Frozen;
using System.Diagnostics;
using System.Text;

namespace AgentMem.Server.Auth;

/// <summary>
/// The keys the service accepts, by hash: <see cref="ServerOptions.ApiKeys"/> and the lines of
/// <see cref="ServerOptions.ApiKeyFile"/>. The file is read when the table is made (a file that cannot be used stops the
/// service from starting) and read again on a request, at most every <see cref="ServerOptions.ApiKeyFileCheckInterval"/>:
/// when its content changed, the whole table is swapped, so a request sees the old keys or the new ones, never a mix. A
/// changed file that cannot be used keeps the keys read before (never none, which without auth would mean open access)
/// and logs an error once.
/// </summary>
internal sealed class ApiKeyTable
{
    private readonly ServerOptions options;
    private readonly ILogger log;
    private readonly string? file;
    private readonly long checkEvery;
    private volatile Snapshot current;

    // The file's bytes as last read, good or bad: unchanged bytes are not parsed (or reported) again.
    private byte[] lastContent = [];
    private string? lastReadProblem;
    private long nextCheck;
    private int checking;

    /// <summary>Reads the key file, if any; throws <see cref="FormatException"/> naming the line or the problem when it cannot be used.</summary>
    public ApiKeyTable(ServerOptions options, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        this.options = options;
        this.log = log;
        file = options.ApiKeyFile is null ? null : Path.GetFullPath(options.ApiKeyFile);
        checkEvery = (long)(options.ApiKeyFileCheckInterval.TotalSeconds * Stopwatch.Frequency);
        if (file is null)
        {
            current = Load([]);
            return;
        }

        lastContent = File.ReadAllBytes(file);
        current = Load(ApiKeyHasher.ParseKeyFile(Lines(lastContent)));
        if (options.RequireAuth && current.ByHash.Count == 0)
        {
            // A service no key can reach is a mistake at start; emptying the file later is how every key is revoked.
            throw new FormatException($"The API key file '{file}' holds no key: add a 'tenant:sha256hex' line.");
        }

        nextCheck = Stopwatch.GetTimestamp() + checkEvery;
        LogLoaded();
    }

    /// <summary>The tenants of the keys in force (for the background work that runs per tenant).</summary>
    public IReadOnlyList<string> Tenants => current.Tenants;

    /// <summary>The entry of <paramref name="key"/>, or null when no key in force has its hash; re-reads the key file first when due.</summary>
    public async ValueTask<ApiKeyEntry?> FindAsync(string key)
    {
        if (file is not null && Stopwatch.GetTimestamp() >= Volatile.Read(ref nextCheck) && Interlocked.CompareExchange(ref checking, 1, 0) == 0)
        {
            // One request reads the file; those meanwhile use the keys in force.
            try
            {
                await RefreshAsync(file).ConfigureAwait(false);
            }
            finally
            {
                Volatile.Write(ref nextCheck, Stopwatch.GetTimestamp() + checkEvery);
                Volatile.Write(ref checking, 0);
            }
        }

        return current.ByHash.GetValueOrDefault(ApiKeyHasher.Hash(key));
    }

    private async Task RefreshAsync(string path)
    {
        byte[] content;
        try
        {
            content = await File.ReadAllBytesAsync(path).ConfigureAwait(false);
            lastReadProblem = null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Gone or locked for a moment (an editor replacing it) must not lock every client out: the keys stay.
            if (lastReadProblem != ex.Message)
            {
                lastReadProblem = ex.Message;
                log.LogError(ex, "The API key file {File} cannot be read; the keys read before stay in force until it can be.", path);
            }

            return;
        }

        if (content.AsSpan().SequenceEqual(lastContent))
        {
            return;
        }

        lastContent = content;
        try
        {
            current = Load(ApiKeyHasher.ParseKeyFile(Lines(content)));
        }
        catch (FormatException ex)
        {
            log.LogError(ex, "The API key file {File} changed but cannot be used; the keys read before stay in force until it is fixed.", path);
            return;
        }

        LogLoaded();
    }

    // The options' keys and the file's, checked together: a hash may stand for one identity only.
    private Snapshot Load(IReadOnlyList<ApiKeyEntry> fromFile)
    {
        List<ApiKeyEntry> all = [.. options.ApiKeys, .. fromFile];
        if (ServerOptions.IdentityConflict(all) is { } conflict)
        {
            throw new FormatException($"The API key file '{file}': {conflict}");
        }

        // Looking up the hash, not the key, means timing differences reveal nothing about a valid key.
        var byHash = all
            .GroupBy(k => k.Sha256.ToLowerInvariant(), StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        return new Snapshot(byHash, [.. all.Select(k => k.Tenant).Distinct(StringComparer.Ordinal)]);
    }

    private void LogLoaded()
    {
        if (log.IsEnabled(LogLevel.Information))
        {
            log.LogInformation("{Count} API key(s) in force after reading {File}.", current.ByHash.Count, file);
        }
    }

    // As File.ReadAllLines reads them: a byte order mark is dropped, "\r\n" and "\n" end lines.
    private static List<string> Lines(byte[] content)
    {
        using var reader = new StreamReader(new MemoryStream(content), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }

    private sealed record Snapshot(FrozenDictionary<string, ApiKeyEntry> ByHash, IReadOnlyList<string> Tenants);
}
