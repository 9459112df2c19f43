using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;

namespace AgentMem.Server.Hosting;

/// <summary>
/// The problem detail for a query value the route's typed parameter cannot take (<c>?limit=abc</c>, <c>?purge=yes</c>):
/// the parameter and the values it takes, in the words the service's own validation uses, instead of the binder's, which
/// name the handler's CLR type ("Failed to bind parameter "Nullable&lt;int&gt; limit"").
/// </summary>
internal static partial class QueryBindFailure
{
    // Long enough to recognise a value, short enough that a megabyte of query string is not echoed back.
    private const int MaxEchoedLength = 64;

    /// <summary>The detail for the binder's refusal in <paramref name="message"/>; false for any other message.</summary>
    public static bool TryDescribe(string message, out string detail)
    {
        var match = BindMessage().Match(message);
        if (!match.Success)
        {
            detail = string.Empty;
            return false;
        }

        string type = match.Groups["type"].Value;
        string name = match.Groups["name"].Value;
        string value = match.Groups["value"].Value;
        string echoed = value.Length <= MaxEchoedLength ? value : string.Concat(value.AsSpan(0, MaxEchoedLength), "…");
        string expected = (type.StartsWith("Nullable<", StringComparison.Ordinal) ? type[9..^1] : type) switch
        {
            "int" or "Int32" or "long" or "Int64" => "a whole number",
            "bool" or "Boolean" => "true or false",
            var other => $"a valid {other}",
        };

        // The range a route takes (limit: 1 to 1,000) is its handler's to say; here only the type is known, so a whole
        // number too large for it is called out of range rather than told the type's own bounds, which the route refuses.
        detail = expected == "a whole number" && BigInteger.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)
            ? $"{name} is out of range; got '{echoed}'."
            : $"{name} must be {expected}; got '{echoed}'.";
        return true;
    }

    [GeneratedRegex(@"^Failed to bind parameter ""(?<type>[^""]+) (?<name>[^"" ]+)"" from ""(?<value>.*)""\.$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex BindMessage();
}
