using System.Security.Cryptography;

namespace AgentMem.Retrieval.State;

/// <summary>The text a memory is indexed and embedded by, and the hash that tells whether a stored embedding still fits it.</summary>
public static class IndexedText
{
    /// <summary>Speaker, text, tags, keywords and context, space-separated.</summary>
    public static string Describe(MemoryItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var sb = new StringBuilder(item.Text.Length + 64);
        Append(sb, item.Provenance.Actor);
        Append(sb, item.Text);
        Append(sb, string.Join(' ', item.Tags));
        Append(sb, string.Join(' ', item.Keywords));
        Append(sb, item.Context);
        return sb.ToString();
    }

    /// <summary>
    /// The hash a memory's stored embedding is checked against: <see cref="Hash"/> of the described text, or, for a long
    /// memory embedded with its passages, of the described text and <paramref name="passageLayout"/> (the passage sizes),
    /// so a change of either re-embeds it while a short memory's hash stays what it always was.
    /// </summary>
    public static string EmbeddingHash(string describedText, string? passageLayout) =>
        passageLayout is null ? Hash(describedText) : Hash(describedText + "\n\u0000passages " + passageLayout);

    /// <summary>A short, stable hash of <paramref name="text"/> (SHA-256, first 16 bytes, hex).</summary>
    public static string Hash(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), digest);
        return Convert.ToHexString(digest[..16]);
    }

    private static void Append(StringBuilder sb, string? part)
    {
        if (string.IsNullOrEmpty(part))
        {
            return;
        }

        if (sb.Length > 0)
        {
            sb.Append(' ');
        }

        sb.Append(part);
    }
}
