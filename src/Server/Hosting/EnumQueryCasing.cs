using Microsoft.Extensions.Primitives;

namespace AgentMem.Server.Hosting;

/// <summary>
/// Lets enum query parameters take the names the OpenAPI document and every JSON body use (<c>state=active</c>,
/// <c>kind=activation</c>): minimal APIs bind an enum from the query with a case-sensitive <c>Enum.TryParse</c>, which only
/// knows the C# member names (<c>Active</c>). This rewrites a value that names a member in any case to that member's name
/// before binding, and leaves anything else alone, so a wrong value still gets the binder's 400.
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
                rewritten[name] = Parameters.TryGetValue(name, out var type)
                    ? new StringValues(values.Select(v => Enum.TryParse(type, v, ignoreCase: true, out var member) && !int.TryParse(v, out _) ? member!.ToString() : v).ToArray())
                    : values;
            }

            context.Request.Query = new QueryCollection(rewritten);
        }

        return next(context);
    }
}
