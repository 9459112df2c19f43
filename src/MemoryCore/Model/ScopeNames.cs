using AgentMem.Common.Text;

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
    /// So is a name not in Unicode NFC (<see cref="Composed"/>). Lookups keep to <see cref="Require"/>, so a name stored
    /// before these rules stays reachable.
    /// </summary>
    public static string RequireNew(string? value, string what) => Composed(NotDotSegment(Require(value, what), what), what)!;

    /// <summary>
    /// Refuses "." and ".." as the user or agent of <paramref name="author"/>, who is writing new memories: a user so
    /// named could not be forgotten over REST (<c>POST /v1/users/../forget</c> is <c>POST /v1/forget</c>). So is a name not
    /// in Unicode NFC (<see cref="Composed"/>).
    /// </summary>
    public static void RequireNewAuthor(Scope author)
    {
        Composed(NotDotSegment(author.User, "user"), "user");
        Composed(NotDotSegment(author.Agent, "agent"), "agent");
    }

    // Names match exactly (ordinal), so "café" typed composed (NFC, as most keyboards do) and decomposed (as macOS file
    // names and some clients send it) were two cubes, or two users, that look the same in every list, each lookup reaching
    // one of them. Refused rather than normalised: a lookup normalised would miss a name stored decomposed before.
    private static string? Composed(string? value, string what)
    {
        if (value is not null && SafeNormalization.Normalize(value, NormalizationForm.FormC) is var composed && !string.Equals(composed, value, StringComparison.Ordinal))
        {
            throw new MemoryValidationException($"The {what} name '{value}' is not in Unicode normalization form C (NFC): it looks like '{composed}', which is another name. Use '{composed}', the NFC spelling.");
        }

        return value;
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
