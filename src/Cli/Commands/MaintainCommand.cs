using AgentMem.Agents.Lifecycle;
using AgentMem.MemoryCore.Consolidation;
using AgentMem.MemoryCore.Forgetting;
using AgentMem.MemoryCore.Maintenance;
using AgentMem.MemoryCore.Notes;

namespace AgentMem.Cli.Commands;

/// <summary>
/// <c>maintain</c>: runs maintenance jobs (expiry, which purges past the cube's TTL, then forgetting, consolidation, linking,
/// and summaries with a chat model) on the <c>--cube</c> cube, or on every cube with <c>--all-cubes</c>. With <c>--json</c>
/// it prints NDJSON: <c>progress</c> events, one <c>job</c> line per job and cube (counts and actions), and a final
/// <c>done</c> line with the totals. For people it prints a table of each job's counts and its actions; when a job fails
/// or the run is cancelled, the table of the jobs that completed comes before the error (exit code unchanged).
/// </summary>
internal static class MaintainCommand
{
    public static Command Create(Verbs verbs)
    {
        var jobs = new Option<string[]>("--jobs")
        {
            Description = $"Jobs to run, comma-separated or repeated (default: all available): {string.Join(", ", MaintenanceRunner.CreateDefault().Jobs.Select(j => j.Name))}, and {SessionSummaryJob.JobName} when a chat model is configured.",
            AllowMultipleArgumentsPerToken = true,
        };
        var chatUrl = new Option<string?>("--chat-url") { Description = "OpenAI-compatible chat endpoint for the summaries job. Env AGENTMEM_CHAT_BASE_URL.", DefaultValueFactory = _ => CliContext.Env("AGENTMEM_CHAT_BASE_URL") };
        var chatModel = new Option<string?>("--chat-model") { Description = "Chat model for the summaries job (key in AGENTMEM_CHAT_API_KEY). Env AGENTMEM_CHAT_MODEL.", DefaultValueFactory = _ => CliContext.Env("AGENTMEM_CHAT_MODEL") };
        var dryRun = new Option<bool>("--dry-run") { Description = "Report what would change; write nothing." };
        var allCubes = new Option<bool>("--all-cubes") { Description = "Run on every cube you can write instead of the --cube cube (cubes you can only read are skipped, with a notice)." };
        var asOf = new Option<string?>("--as-of") { Description = "Evaluate as of this date/time (ISO 8601) instead of now, e.g. to preview forgetting." };
        // The one line `agentmem --help` lists for the verb: it names every job in the order they run, expiry first, since
        // that one erases for good.
        string description = $"Run maintenance jobs, in this order: {ExpiryJob.JobName} (purge memories past the cube's TTL, for good), "
            + $"{ForgettingJob.JobName} (archive faded memories), {ConsolidationJob.JobName} (merge near-duplicates), "
            + $"{LinkingJob.JobName} (build notes and Zettelkasten links), and {SessionSummaryJob.JobName} with a chat model.";
        return verbs.Create("maintain", description, [jobs, dryRun, allCubes, asOf, chatUrl, chatModel], async (ctx, parse, ct) =>
        {
            var names = (parse.GetValue(jobs) ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
            if (names.Count == 0 && parse.GetResult(jobs) is not null)
            {
                // No names means every job to the runner: a --jobs "$JOBS" left empty ran them all, the TTL purge included.
                throw new MemoryValidationException("--jobs names no job; name one or more (comma-separated), or leave --jobs out to run them all.");
            }

            using var chat = ChatClient(parse.GetValue(chatUrl), parse.GetValue(chatModel));
            var runner = MaintenanceRunner.CreateDefault();
            if (chat is not null)
            {
                runner.Register(new SessionSummaryJob(chat));
            }
            else if (names.Contains(SessionSummaryJob.JobName, StringComparer.OrdinalIgnoreCase))
            {
                throw new MemoryValidationException($"The {SessionSummaryJob.JobName} job needs a chat model: pass --chat-url and --chat-model (or set AGENTMEM_CHAT_BASE_URL and AGENTMEM_CHAT_MODEL).");
            }

            var selected = runner.Select(names);
            DateTimeOffset? instant = Parsing.Time(parse.GetValue(asOf));
            bool dry = parse.GetValue(dryRun);

            await using var memory = ctx.OpenMemory();
            IReadOnlyList<MemCube> cubes = parse.GetValue(allCubes)
                ? await WritableCubesAsync(memory, ctx, ct)
                : [await memory.OpenCubeAsync(ctx.Scope, ctx.Cube, ct)];
            var watch = Stopwatch.StartNew();
            var results = new List<MaintenanceJobResult>();
            try
            {
                foreach (var cube in cubes)
                {
                    await RunCubeAsync(memory, ctx, runner, selected.Select(j => j.Name).ToList(), cube, dry, instant, results, ct);
                }
            }
            catch (Exception) when (!ctx.Output.IsJson && results.Count > 0)
            {
                // What the jobs before the failure or the cancellation did has committed (a TTL purge for good): the table
                // is shown before the error, which alone said nothing of it. (--json has written a line per job already.)
                WriteResults(ctx, results, dry);
                ctx.Output.Console.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"[yellow]Stopped after {results.Count:N0} of {cubes.Count * selected.Count:N0} job run(s)[/]: {(dry ? "a dry run, nothing written." : "the results above are stored, as is any batch the stopped job committed.")}"));
                throw;
            }

            var totals = results.SelectMany(r => r.Counts)
                .GroupBy(p => p.Key, StringComparer.Ordinal)
                .OrderBy(p => p.Key, StringComparer.Ordinal)
                .ToDictionary(p => p.Key, p => p.Sum(x => x.Value), StringComparer.Ordinal);
            if (ctx.Output.IsJson)
            {
                ctx.Output.WriteJson(new { @event = "done", dryRun = dry, cubes = cubes.Count, jobs = selected.Select(j => j.Name), totals, seconds = watch.Elapsed.TotalSeconds });
                return;
            }

            WriteResults(ctx, results, dry);
            ctx.Output.Console.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"{(dry ? "Dry run: nothing written. " : string.Empty)}{cubes.Count:N0} cube(s), {selected.Count} job(s) in {watch.Elapsed.TotalSeconds:0.00} s."));
        });
    }

    /// <summary>The table of each job's counts, then its actions (the first 50 of each job), for people.</summary>
    private static void WriteResults(CliContext ctx, List<MaintenanceJobResult> results, bool dry)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("cube", "job", "counts");
        foreach (var r in results)
        {
            table.AddRow(TerminalText.Escape(r.Cube), r.Job, string.Join(", ", r.Counts.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {p.Value:N0}"))));
        }

        ctx.Output.Console.Write(table);
        foreach (var r in results)
        {
            foreach (var a in r.Actions.Take(50))
            {
                ctx.Output.Console.MarkupLine($"{(dry ? "would " : string.Empty)}{a.Kind} {a.Id?.ToString() ?? "(new)"}{(a.Other is { } o ? " -> " + o : string.Empty)}: {TerminalText.Escape(a.Reason)}");
            }

            if (r.Actions.Count > 50)
            {
                ctx.Output.Console.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"[grey]… {r.Actions.Count - 50:N0} more {TerminalText.Escape(r.Job)} actions (use --json for all)[/]"));
            }
        }
    }

    /// <summary>Runs the jobs on one cube, adding each job's result to <paramref name="results"/> as it completes.</summary>
    private static async Task RunCubeAsync(MemoryOS memory, CliContext ctx, MaintenanceRunner runner, List<string> jobNames, MemCube cube, bool dryRun, DateTimeOffset? asOf, List<MaintenanceJobResult> results, CancellationToken ct)
    {
        foreach (string job in jobNames)
        {
            MaintenanceJobResult result;
            if (ctx.Output.IsJson)
            {
                var progress = new Reporter(p => ctx.Output.WriteJson(new { @event = "progress", cube = cube.Name, job = p.Job, done = p.Done, total = p.Total, counts = p.Counts }));
                result = (await runner.RunAsync(memory, ctx.Scope, cube.Id, [job], dryRun, progress, asOf, ct))[0];
                ctx.Output.WriteJson(new { @event = "job", cube = result.Cube, job = result.Job, dryRun = result.DryRun, counts = result.Counts, actions = result.Actions });
            }
            else if (ctx.Output.ErrorConsole.Profile.Capabilities.Interactive)
            {
                result = await ctx.Output.ErrorConsole.Progress().AutoClear(true).StartAsync(async progress =>
                {
                    var task = progress.AddTask($"{TerminalText.Escape(job)} on {TerminalText.Escape(cube.Name)}", maxValue: 1);
                    var reporter = new Reporter(p =>
                    {
                        task.MaxValue = Math.Max(1, p.Total ?? p.Done);
                        task.Value = p.Done;
                    });
                    return (await runner.RunAsync(memory, ctx.Scope, cube.Id, [job], dryRun, reporter, asOf, ct))[0];
                });
            }
            else
            {
                // Redirected output: a line when each job starts and ends instead of a redrawn bar.
                ctx.Output.Err.WriteLine($"{job} on {cube.Name}: running");
                result = (await runner.RunAsync(memory, ctx.Scope, cube.Id, [job], dryRun, null, asOf, ct))[0];
                ctx.Output.Err.WriteLine($"{job} on {cube.Name}: {string.Join(", ", result.Counts.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {p.Value}")))}");
            }

            results.Add(result);
        }
    }

    private static IChatClient? ChatClient(string? url, string? model)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return null;
        }

        var uri = EndpointUrl.Parse(url, "--chat-url");

        if (string.IsNullOrWhiteSpace(model))
        {
            throw new MemoryValidationException("A chat endpoint needs a model: pass --chat-model or set AGENTMEM_CHAT_MODEL.");
        }

        return OpenAICompatibleClients.CreateChatClient(new OpenAICompatibleOptions { BaseUrl = uri, Model = model, ApiKey = CliContext.Env("AGENTMEM_CHAT_API_KEY") });
    }

    // The jobs write (archive, purge, merge): the first cube shared read-only with the actor failed the whole run with
    // access denied, after the cubes before it had changed and before their results were shown.
    private static async Task<IReadOnlyList<MemCube>> WritableCubesAsync(MemoryOS memory, CliContext ctx, CancellationToken ct)
    {
        var readable = await memory.ListCubesAsync(ctx.Scope, ct);
        var writable = readable.Where(c => (CubeAccessPolicy.Evaluate(c, ctx.Scope) & CubeAccess.Write) == CubeAccess.Write).ToList();
        if (writable.Count < readable.Count)
        {
            ctx.Output.Notice($"[grey]skipped {readable.Count - writable.Count} cube(s) you can only read: {TerminalText.Escape(string.Join(", ", readable.Except(writable).Select(c => c.Name)))}[/]");
        }

        return writable;
    }

    /// <summary>Reports synchronously, on the job's thread, so lines come out in order.</summary>
    private sealed class Reporter(Action<MaintenanceProgress> report) : IProgress<MaintenanceProgress>
    {
        public void Report(MaintenanceProgress value) => report(value);
    }
}
