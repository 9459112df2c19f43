using System.Text.Json;
using Microsoft.Extensions.Primitives;

namespace AgentMem.Server.Hosting;

/// <summary>
/// Lets enum query parameters take the names the OpenAPI document and every JSON body use (<c>state=active</c>,
/// <c>kind=activation</c>): minimal APIs bind an enum from the query with a case-sensitive <c>Enum.TryParse</c>, which only
/// knows the C# member names (<c>Active</c>). This rewrites a value that names a member in any case to that member's name
/// before binding. Anything else is refused here with a 400 naming the accepted values: the binder's own parse would take
/// a number (<c>state=7</c>, no such state: an empty answer) or a comma list (<c>state=Archived,Superseded</c>, or the key
/// given twice, the members' bits OR-ed into another state) as a value.
/// </summary>
internal sealed class EnumQueryCasing(RequestDelegate next)
{
    // The query parameters typed as enums, by name.
    private static readonly Dictionary<string, Type> Parameters = new(StringComparer.OrdinalIgnoreCase)
    {
        ["state"] = typeof(LifecycleState),
        ["kind"] = typeof(MemoryKind),
    };

    public Task InvokeAsync(HttpContext context)
    {
        var query = context.Request.Query;
        if (query.Count > 0 && query.Keys.Any(Parameters.ContainsKey))
        {
            var rewritten = new Dictionary<string, StringValues>(StringComparer.OrdinalIgnoreCase);
            foreach (var (name, values) in query)
            {
                // The binder reads a repeated key as its values joined by commas: a comma list by another road.
                if (values.Count > 1 && Parameters.ContainsKey(name))
                {
                    throw new MemoryValidationException($"{name} takes one value; it was given {values.Count} times.");
                }

                rewritten[name] = Parameters.TryGetValue(name, out var type)
                    ? new StringValues([.. values.Select(v => MemberName(name, type, v))])
                    : values;
            }

            context.Request.Query = new QueryCollection(rewritten);
        }

        return next(context);
    }

    // An empty value is left to the binder, which reads it as absent.
    private static string? MemberName(string parameter, Type type, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return value;
        }

        string[] names = Enum.GetNames(type);
        return names.FirstOrDefault(n => string.Equals(n, value.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new MemoryValidationException(
                $"{parameter} must be one of {string.Join(", ", names.Select(JsonNamingPolicy.CamelCase.ConvertName))}; got '{(value is { Length: > 40 } ? value[..40] + "…" : value)}'.");
    }
}
