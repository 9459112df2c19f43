namespace AgentMem.MemoryCore.Model;

/// <summary>Validation of tenant, user, agent, session and cube names.</summary>
internal static class ScopeNames
{
    /// <summary>Names are identifiers, not prose; 128 characters is plenty and keeps indexes small.</summary>
    public const int MaxLength = 128;

    public static string Require(string? value, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new MemoryValidationException($"The {what} name must not be empty.");
        }

        return Check(value.Trim(), what);
    }

    public static string? Optional(string? value, string what) =>
        string.IsNullOrWhiteSpace(value) ? null : Check(value.Trim(), what);

    /// <summary>
    /// <see cref="Require"/> for a name given to something new (a cube created): "." and ".." are refused too. A URL path
    /// cannot carry them (clients and Kestrel remove them as dot segments), so such a cube could not be reached over REST.
    /// Lookups keep to <see cref="Require"/>, so a name stored before this rule stays reachable.
    /// </summary>
    public static string RequireNew(string? value, string what) => NotDotSegment(Require(value, what), what)!;

    /// <summary>
    /// Refuses "." and ".." as the user or agent of <paramref name="author"/>, who is writing new memories: a user so
    /// named could not be forgotten over REST (<c>POST /v1/users/../forget</c> is <c>POST /v1/forget</c>).
    /// </summary>
    public static void RequireNewAuthor(Scope author)
    {
        NotDotSegment(author.User, "user");
        NotDotSegment(author.Agent, "agent");
    }

    private static string? NotDotSegment(string? value, string what) => value is "." or ".."
        ? throw new MemoryValidationException($"The {what} name '{value}' cannot be used: a URL path cannot carry '.' or '..' as a segment.")
        : value;

    private static string Check(string value, string what)
    {
        if (value.Length > MaxLength)
        {
            throw new MemoryValidationException($"The {what} name is {value.Length} characters long; the limit is {MaxLength}.");
        }

        foreach (char c in value)
        {
            if (char.IsControl(c) || char.IsSurrogate(c))
            {
                throw new MemoryValidationException($"The {what} name '{value}' contains a control or surrogate character.");
            }
        }

        return value;
    }
}
