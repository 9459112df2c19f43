using System.Security.Cryptography;
using System.Text;

namespace AgentMem.Campaign.Bench;

/// <summary>A random API key and the key file line the service reads (only the SHA-256 is stored, as in production).</summary>
internal sealed record ApiKey(string Key, string Tenant)
{
    public static ApiKey NewRandom(string tenant) =>
        new("am_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).Replace('+', '-').Replace('/', '_').TrimEnd('='), tenant);

    public string KeyFileLine() => $"{Tenant}:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Key)))}";
}
