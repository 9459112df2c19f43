namespace AgentMem.Server.Endpoints;

/// <summary>A <c>limit</c> query parameter: its default when left out and the most a request may ask for.</summary>
internal sealed record QueryLimit(int Default, int Max)
{
    /// <summary>Listing memories: 100 by default, 1000 at most.</summary>
    public static readonly QueryLimit Memories = new(Default: 100, Max: 1000);

    /// <summary>Reading a memory's history: 100 versions by default, 1000 at most.</summary>
    public static readonly QueryLimit History = new(Default: 100, Max: 1000);

    /// <summary>Listing a memory's links, each way: 100 by default, 1000 at most.</summary>
    public static readonly QueryLimit Links = new(Default: 100, Max: 1000);

    /// <summary>Reading an audit trail (a memory's, a cube's or the tenant's): 200 records by default, 1000 at most.</summary>
    public static readonly QueryLimit Audit = new(Default: 200, Max: 1000);

    /// <summary>The number of records to take, or a 400 (validation problem) when the request asks for fewer than 1 or more than <see cref="Max"/>.</summary>
    public int Resolve(int? limit)
    {
        int take = limit ?? Default;
        if (take < 1 || take > Max)
        {
            throw new MemoryValidationException($"limit must be between 1 and {Max}; got {take}.");
        }

        return take;
    }

    /// <summary>
    /// An <c>after</c> cursor (0 or left out: from the start), or a 400 when negative. <paramref name="cursor"/> says what
    /// the caller passes, for the refusal: an audit trail pages by <c>seq</c>, a history by <c>version</c>.
    /// </summary>
    public static long After(long? after, string cursor = "the seq of a line already read") => after switch
    {
        null => 0,
        < 0 => throw new MemoryValidationException($"after must be 0 or {cursor}; got {after}."),
        _ => after.Value,
    };
}
