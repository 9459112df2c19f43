using System.Text.Json;
using System.Text.RegularExpressions;

namespace AgentMem.Server.Hosting;

/// <summary>
/// The problem detail for a request body member its contract does not have (refused under
/// <see cref="System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow"/>): the member and where it is, without
/// System.Text.Json's wording, which names the CLR contract type instead of the operation.
/// </summary>
internal static partial class UnknownBodyMember
{
    /// <summary>
    /// The detail naming the member when <paramref name="error"/> is System.Text.Json's refusal of an unmapped member;
    /// false for any other JSON error.
    /// </summary>
    public static bool TryDescribe(JsonException error, out string detail)
    {
        // The serializer says which member only in its message; its Path says where (in items[1] of a batch, say).
        var match = UnmappedMessage().Match(error.Message);
        detail = match.Success
            ? $"The request body has a member '{match.Groups["name"].Value}' (at {error.Path}) that this operation does not take; the members it takes are in /openapi/v1.json (camelCase)."
            : string.Empty;
        return match.Success;
    }

    [GeneratedRegex(@"^The JSON property '(?<name>.*)' could not be mapped to any \.NET member contained in type '", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex UnmappedMessage();
}
