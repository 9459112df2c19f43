using System.Security.Cryptography;
using System.Text;

namespace AgentMem.MemoryCore.Cubes;

/// <summary>Cube names a host derives from an id (a user's private cube, a chat cube).</summary>
public static class CubeNames
{
    private const int HashChars = 16;

    /// <summary>
    /// <paramref name="prefix"/> followed by <paramref name="id"/>; when that is longer than a cube name may be (128
    /// characters), its start, '-' and the first 16 hex digits of the SHA-256 of the id (UTF-8), 128 characters in all, so
    /// two long ids with the same start still get different cubes.
    /// </summary>
    /// <param name="prefix">The fixed start, such as <c>user-</c>; shorter than 111 characters.</param>
    /// <param name="id">The id the cube belongs to.</param>
    public static string Derived(string prefix, string id)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefix.Length, Model.ScopeNames.MaxLength - HashChars - 1, nameof(prefix));
        string name = prefix + id;
        if (name.Length <= Model.ScopeNames.MaxLength)
        {
            return name;
        }

        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)))[..HashChars];
        return string.Concat(name.AsSpan(0, Model.ScopeNames.MaxLength - HashChars - 1), "-", hash);
    }
}
