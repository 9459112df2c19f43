namespace AgentMem.Stores.Postgres;

/// <summary>
/// Accepts the two ways people write a PostgreSQL location, a libpq URI (<c>postgresql://user:pw@host:port/db?sslmode=require</c>)
/// and an Npgsql keyword string, and turns either into the keyword form Npgsql reads; also gives a form safe for logs.
/// </summary>
internal static class PostgresConnectionString
{
    // libpq URI parameters and the Npgsql keywords they mean; an unknown parameter is refused rather than ignored,
    // so a typo in "sslmode" cannot silently leave a connection unencrypted.
    private static readonly Dictionary<string, string> UriParameters = new(StringComparer.Ordinal)
    {
        ["host"] = "Host",
        ["port"] = "Port",
        ["dbname"] = "Database",
        ["user"] = "Username",
        ["password"] = "Password",
        ["sslmode"] = "SSL Mode",
        ["sslrootcert"] = "Root Certificate",
        ["sslcert"] = "SSL Certificate",
        ["sslkey"] = "SSL Key",
        ["application_name"] = "Application Name",
        ["connect_timeout"] = "Timeout",
        ["target_session_attrs"] = "Target Session Attributes",
        ["options"] = "Options",
    };

    private static readonly Dictionary<string, string> SslModes = new(StringComparer.Ordinal)
    {
        ["disable"] = "Disable",
        ["allow"] = "Allow",
        ["prefer"] = "Prefer",
        ["require"] = "Require",
        ["verify-ca"] = "VerifyCA",
        ["verify-full"] = "VerifyFull",
    };

    /// <summary>Whether <paramref name="text"/> is written as a URI rather than keywords.</summary>
    public static bool IsUri(string text) =>
        text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase);

    /// <summary>The Npgsql keyword form of a URI or keyword string; <see cref="ArgumentException"/> saying what is wrong otherwise.</summary>
    public static string ToKeywordForm(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        string text = connectionString.Trim();
        try
        {
            return IsUri(text) ? FromUri(text).ConnectionString : new NpgsqlConnectionStringBuilder(text).ConnectionString;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or KeyNotFoundException)
        {
            // The message must not echo the string: it may hold a password.
            throw new ArgumentException($"The PostgreSQL connection string is not valid: {ex.Message}", nameof(connectionString), ex);
        }
    }

    /// <summary>
    /// The connection settings a store opened with <paramref name="options"/> uses: the connection string's, with the
    /// options' pool size, timeouts and application name where the string gives none. A value the string gives wins,
    /// even one equal to Npgsql's default: before, the options replaced them silently (a URI's connect_timeout=60 became
    /// the options' 15 s).
    /// </summary>
    public static NpgsqlConnectionStringBuilder ForStore(PostgresStoreOptions options)
    {
        var connection = new NpgsqlConnectionStringBuilder(ToKeywordForm(options.ConnectionString));

        // Keys holds only the keywords the string set, by their canonical names (ContainsKey is true of every keyword).
        var given = connection.Keys.ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (!given.Contains("Maximum Pool Size"))
        {
            connection.MaxPoolSize = options.MaxPoolSize;
        }

        if (!given.Contains("Command Timeout"))
        {
            connection.CommandTimeout = (int)Math.Ceiling(options.CommandTimeout.TotalSeconds);
        }

        if (!given.Contains("Timeout"))
        {
            connection.Timeout = (int)Math.Ceiling(options.ConnectTimeout.TotalSeconds);
        }

        if (string.IsNullOrEmpty(connection.ApplicationName))
        {
            connection.ApplicationName = options.ApplicationName;
        }

        return connection;
    }

    /// <summary>A URI naming user, hosts, port and database of a keyword string, without the password: safe for logs.</summary>
    public static string Display(string keywordForm)
    {
        var b = new NpgsqlConnectionStringBuilder(keywordForm);
        var sb = new StringBuilder("postgresql://");
        if (!string.IsNullOrEmpty(b.Username))
        {
            sb.Append(Uri.EscapeDataString(b.Username)).Append('@');
        }

        string host = b.Host ?? "localhost";
        sb.Append(host.Contains(':', StringComparison.Ordinal) && !host.Contains(',', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host);
        if (!host.Contains(',', StringComparison.Ordinal))
        {
            sb.Append(':').Append(b.Port.ToString(CultureInfo.InvariantCulture));
        }

        sb.Append('/').Append(Uri.EscapeDataString(b.Database ?? string.Empty));
        return sb.ToString();
    }

    private static NpgsqlConnectionStringBuilder FromUri(string uri)
    {
        var b = new NpgsqlConnectionStringBuilder();
        string rest = uri[(uri.IndexOf("://", StringComparison.Ordinal) + 3)..];

        // The host part ends at the first '/' or '?'. An '@' after it is a user name or password holding one of them
        // unencoded (libpq reads it so too): refused without echoing, as any piece of it may be the password
        // (":s3cr3t/x@db" would otherwise read as host and port, the password shown as a port).
        int hostEnd = rest.IndexOfAny(['/', '?']);
        if (hostEnd >= 0 && rest.IndexOf('@', hostEnd) >= 0)
        {
            throw new ArgumentException("an '@' comes after the host part: percent-encode '/', '?', '#' and '@' in the user name, password, database and parameters (%2F, %3F, %23, %40).");
        }

        string? query = null;
        int q = rest.IndexOf('?', StringComparison.Ordinal);
        if (q >= 0)
        {
            query = rest[(q + 1)..];
            rest = rest[..q];
        }

        int slash = rest.IndexOf('/', StringComparison.Ordinal);
        string authority = slash >= 0 ? rest[..slash] : rest;
        if (slash >= 0 && rest.Length > slash + 1)
        {
            b.Database = Decode(rest[(slash + 1)..]);
        }

        int at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            string user = authority[..at];
            authority = authority[(at + 1)..];
            int colon = user.IndexOf(':', StringComparison.Ordinal);
            b.Username = Decode(colon >= 0 ? user[..colon] : user);
            if (colon >= 0)
            {
                b.Password = Decode(user[(colon + 1)..]);
            }
        }

        if (authority.Length > 0)
        {
            SetHosts(b, authority);
        }

        if (query is not null)
        {
            bool afterPassword = false;
            foreach (string pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = pair.IndexOf('=', StringComparison.Ordinal);
                string name = Decode(eq >= 0 ? pair[..eq] : pair);
                string value = eq >= 0 ? Decode(pair[(eq + 1)..]) : string.Empty;
                if (!UriParameters.TryGetValue(name, out string? keyword))
                {
                    // After a password parameter, an unknown "name" may be the rest of a password holding '&': not echoed.
                    throw new ArgumentException(afterPassword
                        ? $"a URI parameter after the password is not supported (supported: {string.Join(", ", UriParameters.Keys)}); percent-encode '&' in a password (%26)."
                        : $"the URI parameter '{name}' is not supported (supported: {string.Join(", ", UriParameters.Keys)}).");
                }

                afterPassword |= name == "password";

                if (name == "sslmode")
                {
                    value = SslModes.TryGetValue(value, out string? mode) ? mode : throw new ArgumentException($"sslmode '{value}' is not one of {string.Join(", ", SslModes.Keys)}.");
                }

                b[keyword] = value;
            }
        }

        return b;
    }

    /// <summary>Host list <c>h1[:p1],h2[:p2]</c>, with IPv6 addresses in brackets.</summary>
    private static void SetHosts(NpgsqlConnectionStringBuilder b, string authority)
    {
        var hosts = new List<(string Host, int? Port)>();
        foreach (string spec in authority.Split(','))
        {
            string host = spec;
            int? port = null;
            int close = spec.StartsWith('[') ? spec.IndexOf(']', StringComparison.Ordinal) : -1;
            int colon = close >= 0 ? spec.IndexOf(':', close) : spec.LastIndexOf(':');
            if (colon >= 0)
            {
                host = spec[..colon];
                // Not echoed: with the '@' forgotten, "user:password" reads as host and port.
                port = int.TryParse(spec[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p is > 0 and < 65536
                    ? p
                    : throw new ArgumentException("a port after the host is not a number from 1 to 65535 (a user and password go before an '@').");
            }

            hosts.Add((Decode(host), port));
        }

        if (hosts.Count == 1)
        {
            b.Host = hosts[0].Host.Trim('[', ']');
            if (hosts[0].Port is { } single)
            {
                b.Port = single;
            }

            return;
        }

        b.Host = string.Join(',', hosts.Select(h => h.Port is { } p ? string.Create(CultureInfo.InvariantCulture, $"{h.Host}:{p}") : h.Host));
    }

    private static string Decode(string part) => Uri.UnescapeDataString(part);
}
