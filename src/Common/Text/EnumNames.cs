namespace AgentMem.Common.Text;

/// <summary>Reads an enum member from its name, as a person types it or a file stores it.</summary>
/// <remarks>
/// <see cref="Enum.TryParse{TEnum}(string?, bool, out TEnum)"/> also takes numbers ("7", named or not) and comma lists
/// ("archived,superseded": the bitwise OR of the members, which for an enum that is not [Flags] is another member or none
/// at all), so a typo or a list silently became a different value. A setting names exactly one member.
/// </remarks>
public static class EnumNames
{
    /// <summary>The member named <paramref name="text"/> (case-insensitively, surrounding spaces ignored); false for anything else.</summary>
    public static bool TryParse<TEnum>(string? text, out TEnum value)
        where TEnum : struct, Enum
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var span = text.AsSpan().Trim();
        var names = Enum.GetNames<TEnum>();
        for (int i = 0; i < names.Length; i++)
        {
            if (span.Equals(names[i], StringComparison.OrdinalIgnoreCase))
            {
                value = Enum.GetValues<TEnum>()[i];
                return true;
            }
        }

        return false;
    }

    /// <summary>The members' names in lower case, comma-separated, for a message that lists the choices.</summary>
    public static string Choices<TEnum>()
        where TEnum : struct, Enum =>
        string.Join(", ", Enum.GetNames<TEnum>()).ToLowerInvariant();
}
