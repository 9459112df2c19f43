using System.Diagnostics.CodeAnalysis;
using System.Net;
using AgentMem.Retrieval.Tokens;

namespace AgentMem.Server;

/// <summary>How the REST service runs: where the data lives, where it listens, who may call it.</summary>
public sealed class ServerOptions
{
    /// <summary>The database: a SQLite file (created if missing; default <c>./agentmem.db</c>) or a <c>postgresql://</c> URI.</summary>
    public string Db { get; set; } = "./agentmem.db";

    /// <summary>
    /// Addresses Kestrel listens on (default <c>http://127.0.0.1:5080</c>), each <c>http(s)://host:port</c> (checked by
    /// <see cref="Validate"/>: <c>host:port</c> without the scheme is refused). Port 0 picks a free port.
    /// </summary>
    public IList<string> Urls { get; } = ["http://127.0.0.1:5080"];

    /// <summary>API keys, stored only as SHA-256 hashes, each mapped to the tenant it acts for.</summary>
    public IList<ApiKeyEntry> ApiKeys { get; } = [];

    /// <summary>
    /// A key file (the format <see cref="ApiKeyHasher.ParseKeyFile"/> reads) whose keys are accepted beside
    /// <see cref="ApiKeys"/>, or null. It is read when the application is built (a line it refuses, or a file without keys,
    /// stops the build with a <see cref="FormatException"/>), and read again while the service runs: on a request, at most
    /// every <see cref="ApiKeyFileCheckInterval"/>, so a line added is a key that works and a line removed is a key revoked,
    /// without a restart. A changed file that cannot be read or parsed keeps the keys read before and logs an error.
    /// </summary>
    public string? ApiKeyFile { get; set; }

    /// <summary>
    /// How often, at most, a request checks <see cref="ApiKeyFile"/> for changes (default one second, so a revoked key stops
    /// working within a second of the edit); <see cref="TimeSpan.Zero"/> checks on every request.
    /// </summary>
    public TimeSpan ApiKeyFileCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// When true (the default) every <c>/v1</c> call needs a key. When false, calls act for
    /// <see cref="LocalTenant"/> without a key; <see cref="Validate"/> allows that on loopback addresses only, and the
    /// service answers only requests addressed to a loopback host (400 otherwise) whose <c>Origin</c>, if any, is loopback
    /// too (403 otherwise), so a web page another site serves cannot reach it through the browser.
    /// </summary>
    public bool RequireAuth { get; set; } = true;

    /// <summary>The tenant used when <see cref="RequireAuth"/> is false (default <c>default</c>, the CLI's tenant).</summary>
    public string LocalTenant { get; set; } = Scope.DefaultTenant;

    /// <summary>
    /// The user a call without a key acts as when it names none (<see cref="RequireAuth"/> false; default none, the
    /// tenant's owner scope), as <c>agentmem --user</c> does for the CLI's own commands, so both see the same cubes; a
    /// request may still name another user. With keys it must stay null (<see cref="Validate"/>): a key acts as the user its
    /// key file line binds, or an unbound key's request names one.
    /// </summary>
    public string? LocalUser { get; set; }

    /// <summary>The agent a call without a key acts as when it names none; as <see cref="LocalUser"/>, for agents.</summary>
    public string? LocalAgent { get; set; }

    /// <summary>
    /// Largest request body accepted, in bytes (default 16 MiB: room for a memory at the 4 MiB content limit, JSON-escaped);
    /// larger bodies get 413. One declared (Content-Length) at up to four times the limit is read and dropped first (for a
    /// caller past the key check, for at most 30 s), so a client that sends its whole body before reading (Python's urllib,
    /// Node's fetch) gets the 413; a larger one, or one sent streamed past the limit, gets it with the connection closed,
    /// which such a client may see as a broken pipe.
    /// </summary>
    public long MaxRequestBodyBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>
    /// When true, metrics (AgentMem's meters and ASP.NET Core's) are served for Prometheus to scrape at <c>/metrics</c>,
    /// without an API key. Off by default. OTLP export needs no option: it is on when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
    /// </summary>
    public bool PrometheusMetrics { get; set; }

    /// <summary>
    /// Counts the tokens of <c>POST /v1/context</c>'s budget (default: o200k_base, exact for GPT-4o and later, loaded once per
    /// process on first use). <c>agentmem serve --tokenizer</c> sets it; see <see cref="TokenCounters"/> for the others.
    /// Setting null restores the default.
    /// </summary>
    [AllowNull]
    public ITokenCounter TokenCounter
    {
        get => field ??= TokenCounters.Create(TokenCounters.DefaultSpec);
        set;
    }

    /// <summary>How long shutdown waits for in-flight requests (writes included) to finish (default 30 s).</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often the service runs the cubes' hard-delete TTL (<c>CubePolicy.HardDeleteAfterDays</c>) in the background,
    /// over the tenants of its API keys (or the local tenant); the first sweep runs at start. Default hourly; 1 s to 49
    /// days, or <see cref="TimeSpan.Zero"/>, which turns the sweep off (then only <c>agentmem maintain</c> applies the TTL).
    /// </summary>
    public TimeSpan ExpirySweepInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The shortest <see cref="ExpirySweepInterval"/> (one second).</summary>
    public static readonly TimeSpan MinExpirySweepInterval = TimeSpan.FromSeconds(1);

    /// <summary>The longest <see cref="ExpirySweepInterval"/> (49 days: a timer's period is at most 2^32 − 2 ms).</summary>
    public static readonly TimeSpan MaxExpirySweepInterval = TimeSpan.FromDays(49);

    /// <summary>
    /// Most items one batch request may hold (add, update, state change; default 1,000). A batch is one transaction,
    /// and an update batch may name one memory many times, each a version copying the whole memory into its history.
    /// </summary>
    public int MaxBatchItems { get; set; } = 1000;

    /// <summary>Throws <see cref="ArgumentException"/> for settings that cannot work or are unsafe.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Db, nameof(Db));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRequestBodyBytes, 1024, nameof(MaxRequestBodyBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(ShutdownTimeout, TimeSpan.Zero, nameof(ShutdownTimeout));
        if (ExpirySweepInterval != TimeSpan.Zero && (ExpirySweepInterval < MinExpirySweepInterval || ExpirySweepInterval > MaxExpirySweepInterval))
        {
            // Outside what a timer takes, the sweep's task failed at start, unobserved: the TTL was never applied.
            throw new ArgumentOutOfRangeException(nameof(ExpirySweepInterval), ExpirySweepInterval, $"The expiry sweep runs every {MinExpirySweepInterval.TotalSeconds:0} s to {MaxExpirySweepInterval.TotalDays:0} days, or never (zero).");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchItems, 1, nameof(MaxBatchItems));
        foreach (string url in Urls)
        {
            if (DescribeBadListenAddress(url) is { } problem)
            {
                throw new ArgumentException($"Urls '{url}' is not an http(s) address to listen on (e.g. http://127.0.0.1:5080){problem}.", nameof(Urls));
            }
        }

        foreach (var entry in ApiKeys)
        {
            ArgumentNullException.ThrowIfNull(entry, nameof(ApiKeys));
            entry.Validate();
        }

        if (IdentityConflict(ApiKeys) is { } conflict)
        {
            throw new ArgumentException(conflict, nameof(ApiKeys));
        }

        if (ApiKeyFile is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(ApiKeyFile, nameof(ApiKeyFile));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(ApiKeyFileCheckInterval, TimeSpan.Zero, nameof(ApiKeyFileCheckInterval));
        if (RequireAuth && ApiKeys.Count == 0 && ApiKeyFile is null)
        {
            throw new ArgumentException("Authentication is required but no API keys are configured; add keys or disable auth on a loopback address.", nameof(ApiKeys));
        }

        if (RequireAuth && (LocalUser is not null || LocalAgent is not null))
        {
            // Ignored, the service acted as each key's binding without a word, never as the user the operator named.
            string member = LocalUser is not null ? nameof(LocalUser) : nameof(LocalAgent);
            throw new ArgumentException($"{member} applies only without API keys: with keys, a key acts as the user and agent its key file line binds (' user=NAME agent=NAME'), or an unbound key's request names them.", member);
        }

        if (!RequireAuth)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(LocalTenant, nameof(LocalTenant));

            // Every keyless request that names no user acts as these: a name no scope takes failed each of them (400).
            string member = nameof(LocalUser);
            try
            {
                _ = new Scope(LocalTenant, LocalUser);
                member = nameof(LocalAgent);
                _ = new Scope(LocalTenant, LocalUser, LocalAgent);
            }
            catch (MemoryValidationException ex)
            {
                throw new ArgumentException(ex.Message, member, ex);
            }

            // Without keys anyone who can reach the port owns the data: only this machine may.
            var remote = Urls.FirstOrDefault(u => !IsLoopback(u));
            if (remote is not null)
            {
                throw new ArgumentException($"Refusing to serve without API keys on '{remote}': without keys only loopback addresses (127.0.0.1, [::1], localhost) are allowed.", nameof(RequireAuth));
            }
        }
    }

    /// <summary>
    /// Null when every hash in <paramref name="keys"/> stands for one identity (tenant, user, agent); otherwise what is wrong,
    /// for the message. Listed twice with different bindings, whichever came first won, silently (a key meant for alice
    /// alone could act as the whole tenant, or for another tenant).
    /// </summary>
    internal static string? IdentityConflict(IEnumerable<ApiKeyEntry> keys)
    {
        foreach (var listed in keys.GroupBy(k => k.Sha256.ToLowerInvariant(), StringComparer.Ordinal))
        {
            var identities = listed.Select(k => (k.Tenant, k.User, k.Agent)).Distinct().ToList();
            if (identities.Count > 1)
            {
                return $"The key hash {listed.Key[..12]}… is listed for {identities.Count} identities ({string.Join("; ", identities.Select(i => $"tenant '{i.Tenant}'{(i.User is null ? string.Empty : $" user={i.User}")}{(i.Agent is null ? string.Empty : $" agent={i.Agent}")}"))}); a key must stand for one.";
            }
        }

        return null;
    }

    /// <summary>
    /// Null when <paramref name="url"/> is an address Kestrel binds over HTTP, <c>http(s)://host:port</c> with a name, an
    /// address or a wildcard (<c>*</c>, <c>+</c>) as host; otherwise what is wrong, for the message. Checked by Kestrel's
    /// own parser, so that the common <c>localhost:5080</c> (no scheme) is one clear error before anything starts: it
    /// passed, and the host failed in its start with a logged stack trace (or, without keys, the loopback check called it
    /// not loopback).
    /// </summary>
    private static string? DescribeBadListenAddress(string? url)
    {
        BindingAddress address;
        try
        {
            address = BindingAddress.Parse(url ?? string.Empty);
        }
        catch (FormatException)
        {
            return "; 'host:port' lacks the scheme";
        }

        return string.Equals(address.Scheme, "http", StringComparison.OrdinalIgnoreCase) || string.Equals(address.Scheme, "https", StringComparison.OrdinalIgnoreCase)
            ? null
            : $"; the scheme is '{address.Scheme}'";
    }

    /// <summary>True when <paramref name="url"/> names a loopback host.</summary>
    public static bool IsLoopback(string url)
    {
        return Uri.TryCreate(url, UriKind.Absolute, out var uri) && IsLoopbackHost(uri.Host);
    }

    /// <summary>True when <paramref name="host"/> (a host name or address, without port; IPv6 in brackets or not) is loopback.</summary>
    internal static bool IsLoopbackHost(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
