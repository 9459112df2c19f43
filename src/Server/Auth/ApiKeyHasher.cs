using System.Security.Cryptography;
using System.Text;

namespace AgentMem.Server.Auth;

/// <summary>
/// Hashes API keys and reads key files. Keys are never stored: only their SHA-256, so a leaked
/// configuration does not leak working keys. Keys should be long random strings (see <see cref="NewKey"/>),
/// which is why a plain, unsalted hash is enough.
/// </summary>
public static partial class ApiKeyHasher
{
    /// <summary>Lower-case hex SHA-256 of the key's UTF-8 bytes, the form <see cref="ApiKeyEntry.Sha256"/> expects.</summary>
    public static string Hash(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }

    /// <summary>A new random key: 32 bytes from the system CSPRNG, as URL-safe base64 with an <c>am_</c> prefix.</summary>
    public static string NewKey() =>
        "am_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>
    /// Parses a key file: one <c>tenant:sha256hex</c> per line, optionally followed by <c>user=NAME</c> and <c>agent=NAME</c>
    /// (a key bound to that user and agent); blank lines and lines starting with <c>#</c> are ignored. Two lines may name
    /// the same tenant, so a key is rotated without downtime (add the new one, move clients, remove the old one). Throws
    /// <see cref="FormatException"/> naming the bad line.
    /// </summary>
    public static IReadOnlyList<ApiKeyEntry> ParseKeyFile(IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var entries = new List<ApiKeyEntry>();
        int number = 0;
        foreach (string raw in lines)
        {
            number++;
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var match = KeyLine().Match(line);
            if (!match.Success)
            {
                throw new FormatException($"Key file line {number}: expected 'tenant:sha256hex' (64 hex digits), optionally followed by ' user=NAME' and ' agent=NAME'.");
            }

            ApiKeyEntry entry;
            try
            {
                entry = new ApiKeyEntry(match.Groups["tenant"].Value.Trim(), match.Groups["hash"].Value)
                {
                    User = Attribute(match, "user"),
                    Agent = Attribute(match, "agent"),
                };
            }
            catch (FormatException ex)
            {
                throw new FormatException($"Key file line {number}: {ex.Message}", ex);
            }

            // Refused here, naming the line, rather than at start-up without it (or, for a name no scope takes, on every request).
            entries.Add(entry.Problem() is { } problem ? throw new FormatException($"Key file line {number}: {problem.Message}") : entry);
        }

        return entries;
    }

    // The 64 hex digits anchor the line, so a tenant may contain ':' or spaces; bound names may not contain spaces.
    [System.Text.RegularExpressions.GeneratedRegex(@"^(?<tenant>.+):(?<hash>[0-9A-Fa-f]{64})(?:\s+(?<key>user|agent)=(?<value>\S+))*\s*$")]
    private static partial System.Text.RegularExpressions.Regex KeyLine();

    private static string? Attribute(System.Text.RegularExpressions.Match match, string name)
    {
        var keys = match.Groups["key"].Captures;
        var values = match.Groups["value"].Captures;
        string? found = null;
        for (int i = 0; i < keys.Count; i++)
        {
            if (keys[i].Value == name)
            {
                found = found is null ? values[i].Value : throw new FormatException($"'{name}=' is given twice.");
            }
        }

        return found;
    }
}
