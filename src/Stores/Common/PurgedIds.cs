namespace AgentMem.Stores.Common;

/// <summary>
/// The ids a purge or a cube delete removes, as one set. Finding whether a link, an audit line or a free-text reason
/// refers to one of them costs the same for one id as for a cube's thousands: a text is read once, and every run of 26
/// id characters in it is looked up, instead of searching the text for each id in turn.
/// </summary>
internal sealed class PurgedIds
{
    // MemoryId's text form: 26 characters of Crockford base 32, upper case, as ToString writes them.
    private const int IdLength = 26;
    private const string IdAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private static readonly System.Buffers.SearchValues<char> IdChars = System.Buffers.SearchValues.Create(IdAlphabet);

    private readonly HashSet<MemoryId> ids;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> names;

    /// <summary>The set of <paramref name="removed"/> (duplicates collapse).</summary>
    public PurgedIds(IEnumerable<MemoryId> removed)
    {
        ArgumentNullException.ThrowIfNull(removed);
        ids = [.. removed];
        names = new HashSet<string>(ids.Select(id => id.ToString()), StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The ids, each once.</summary>
    public IReadOnlyCollection<MemoryId> Ids => ids;

    /// <summary>How many ids.</summary>
    public int Count => ids.Count;

    /// <summary>Whether <paramref name="id"/> is one of them.</summary>
    public bool Contains(MemoryId id) => ids.Contains(id);

    /// <summary>Whether the stored id text <paramref name="id"/> is one of them.</summary>
    public bool Contains(string? id) => id is not null && names.Contains(id);

    /// <summary>
    /// Whether <paramref name="text"/> names one of them anywhere, as <c>text.Contains(id)</c> would find it: every
    /// 26-character window of every run of id characters is looked up, so an id inside a longer run is found too.
    /// </summary>
    public bool NamedIn(string? text)
    {
        if (text is null)
        {
            return false;
        }

        var rest = text.AsSpan();
        while (rest.IndexOfAny(IdChars) is int start and >= 0)
        {
            rest = rest[start..];
            int length = rest.IndexOfAnyExcept(IdChars) is int end and >= 0 ? end : rest.Length;
            for (int i = 0; i + IdLength <= length; i++)
            {
                if (names.Contains(rest.Slice(i, IdLength)))
                {
                    return true;
                }
            }

            rest = rest[length..];
        }

        return false;
    }
}
