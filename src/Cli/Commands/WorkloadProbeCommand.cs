using AgentMem.Retrieval.Hybrid;

namespace AgentMem.Cli.Commands;

/// <summary>
/// <c>bench workload-probe</c> (hidden): the cold half of <c>bench workload</c>, run in a child process. Opens the
/// database with the composition the warm runs used (<see cref="EngineHybrid"/>, and the parent's embedder, reranker,
/// cache and index folder, passed as options), searches once, and prints one JSON line with the times measured in here.
/// </summary>
internal static class WorkloadProbeCommand
{
    public const string Name = "workload-probe";

    public static Command Create(Verbs verbs)
    {
        var query = new Option<string>("--query") { Description = "The first search.", Required = true };
        var k = new Option<int>("--k") { Description = "Results asked for.", DefaultValueFactory = _ => 10 };
        var rebuild = new Option<bool>("--rebuild-on-write") { Description = "Compose the full-rebuild reference engine." };
        var command = new Command(Name, "Internal: open + first search timed in this process, for bench workload's cold column.") { query, k, rebuild };
        command.Hidden = true;
        return verbs.Bind(command, async (ctx, parse, ct) =>
        {
            // Timed from before the store opens: a restarted agent pays for the open as well as the first search.
            var watch = Stopwatch.StartNew();
            await using var memory = ctx.Compose(ctx.OpenStore(), EngineHybrid(ctx, parse.GetValue(rebuild)));
            double openMs = watch.Elapsed.TotalMilliseconds;
            watch.Restart();
            var hits = await memory.SearchAsync(ctx.Scope, ctx.Cube, parse.GetValue(query)!, parse.GetValue(k), cancellationToken: ct);
            double searchMs = watch.Elapsed.TotalMilliseconds;
            var line = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["pid"] = Environment.ProcessId,
                ["open_ms"] = openMs,
                ["first_search_ms"] = searchMs,
                ["hits"] = hits.Count,
            };
            ctx.Output.Out.WriteLine(JsonSerializer.Serialize(line));
            ctx.Output.Out.Flush();
        });
    }

    /// <summary>
    /// The hybrid options <c>bench workload</c> composes an engine with, in the parent and in the probe alike: the CLI's own
    /// (as the service composes them: a sentence model's weights, <c>--reranker</c>) with the engine's switch.
    /// </summary>
    public static HybridOptions EngineHybrid(CliContext ctx, bool rebuildOnWrite)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        var options = ctx.DefaultHybrid();
        options.RebuildOnWrite = rebuildOnWrite;
        return options;
    }

    /// <summary>The probe's arguments for a request of <paramref name="host"/>, after the executable (and its dll when run through <c>dotnet</c>).</summary>
    public static IEnumerable<string> Arguments(Benchmarks.Workload.ColdProbeRequest request, CliContext host)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(host);
        yield return "bench";
        yield return Name;
        yield return "--db";
        yield return request.DbPath;
        yield return "--tenant";
        yield return request.Tenant;
        yield return "--cube";
        yield return request.Cube;
        yield return "--query";
        yield return request.Query;
        yield return "--k";
        yield return request.K.ToString(CultureInfo.InvariantCulture);
        if (request.Engine.RebuildOnWrite)
        {
            yield return "--rebuild-on-write";
        }

        // The child composes as the parent did: a cold start of a different engine would not be comparable. Its indexes are
        // the ones the parent left beside the database, not the user's --index-dir (or AGENTMEM_INDEX_DIR, inherited).
        yield return "--index-dir";
        yield return host.IndexDirectoryFor(StoreLocation.Parse(request.DbPath));
        yield return "--reranker";
        yield return host.Reranker;
        yield return "--cache-mb";
        yield return host.CacheMb.ToString(CultureInfo.InvariantCulture);
        var embedder = host.Embedder;
        yield return "--embedder";
        yield return embedder.Kind;
        if (embedder.Model is { } model)
        {
            yield return "--embedder-model";
            yield return model;
        }

        if (embedder.Url is { } url)
        {
            yield return "--embedder-url";
            yield return url;
        }
    }
}
