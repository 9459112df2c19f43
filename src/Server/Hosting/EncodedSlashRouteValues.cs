using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Features;

namespace AgentMem.Server.Hosting;

/// <summary>
/// Decodes <c>%2F</c> in the cube and user route values (<c>/v1/cubes/team%2Falpha</c>, <c>/v1/users/org%2Falice/forget</c>).
/// Kestrel decodes every escape of a path but that one, so those names arrived as <c>team%2Falpha</c>: the cube a create
/// answered with that Location was not found, and forgetting the user erased nothing, answering 200. The value is decoded
/// from the raw request target (a name may hold the text <c>%2F</c> itself, sent as <c>%252F</c>, which the decoded path
/// cannot tell apart).
/// </summary>
internal sealed partial class EncodedSlashRouteValues(RequestDelegate next)
{
    private static readonly string[] Names = ["cube", "user"];

    public Task InvokeAsync(HttpContext context)
    {
        var values = context.Request.RouteValues;
        foreach (string name in Names)
        {
            if (values.TryGetValue(name, out var value) && value is string text && text.Contains("%2F", StringComparison.OrdinalIgnoreCase)
                && RawSegment(context, text) is { } raw)
            {
                values[name] = Uri.UnescapeDataString(raw);
            }
        }

        return next(context);
    }

    // The raw segment that Kestrel's decoding (every escape but %2F) turns into the route value.
    private static string? RawSegment(HttpContext context, string routeValue)
    {
        string? target = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(target))
        {
            return null;
        }

        int query = target.IndexOf('?', StringComparison.Ordinal);
        string path = query < 0 ? target : target[..query];
        return path.Split('/').FirstOrDefault(segment => string.Equals(Uri.UnescapeDataString(KeepSlashes().Replace(segment, "%25$1")), routeValue, StringComparison.Ordinal));
    }

    [GeneratedRegex("%(2[fF])")]
    private static partial Regex KeepSlashes();
}
