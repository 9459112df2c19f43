namespace AgentMem.Common.Traces;

/// <summary>One file that still holds a token, and how it was encoded there; or one the scan could not read.</summary>
/// <param name="Path">The file (or folder, when it could not be listed).</param>
/// <param name="Encoding">utf-8, utf-16le or utf-16be (with ", tail" when only a long token's lower-cased second half was found, and
/// ", without diacritics" when only its lower-cased form without them was, as SQLite's full-text index stores it), or <see cref="UnreadableEncoding"/>.</param>
public sealed record TraceHit(string Path, string Encoding)
{
    /// <summary>The <see cref="Encoding"/> of a file or folder that could not be read: it may hold the token, unchecked.</summary>
    public const string UnreadableEncoding = "unreadable";

    /// <summary>Whether the scan could not read this file or folder (so it cannot say it is clean).</summary>
    public bool Unreadable => Encoding == UnreadableEncoding;
}
