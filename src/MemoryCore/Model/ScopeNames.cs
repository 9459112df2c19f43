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
