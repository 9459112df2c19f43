using System.Security.Cryptography;
using System.Text;

namespace AgentMem.Server.Auth;

/// <summary>
/// Hashes API keys and reads key files. Keys are never stored: only their SHA-256, so a leaked
/// configuration does not leak working keys. Keys should be long random strings (see <see cref="NewKey"/>),
/// which is why a plain, unsalted hash is enough.
/// </summary>
public static class ApiKeyHasher
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
    /// Parses a key file: one <c>tenant:sha256hex</c> per line; blank lines and lines starting with
    /// <c>#</c> are ignored. Throws <see cref="FormatException"/> naming the bad line.
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

            int colon = line.LastIndexOf(':');
            var entry = colon <= 0 ? null : new ApiKeyEntry(line[..colon].Trim(), line[(colon + 1)..].Trim());
            try
            {
                entry?.Validate();
            }
            catch (ArgumentException)
            {
                entry = null;
            }

            entries.Add(entry ?? throw new FormatException($"Key file line {number}: expected 'tenant:sha256hex' (64 hex digits)."));
        }

        return entries;
    }
}
