using System.Globalization;
using System.Text.Json;
using AgentMem.Agents.Lifecycle;
using AgentMem.Cli.Output;
using AgentMem.MemoryCore.Maintenance;

namespace AgentMem.Cli.Tests;

public sealed class MaintainCommandTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public void The_verb_description_names_every_default_job_in_the_order_they_run()
    {
        // The one line `agentmem --help` lists is all many users read: expiry runs first and purges for good, so it must be named.
        var maintain = CliApp.Build(TextWriter.Null, TextWriter.Null, TerminalKind.None).Subcommands.Single(c => c.Name == "maintain");
        string description = maintain.Description!;
        var positions = MaintenanceRunner.CreateDefault().Jobs.Select(j => j.Name).Append(SessionSummaryJob.JobName)
            .Select(name => (name, at: description.IndexOf(name, StringComparison.Ordinal))).ToList();
        Assert.All(positions, p => Assert.True(p.at >= 0, $"'{p.name}' is not in: {description}"));
        Assert.Equal(positions.OrderBy(p => p.at).Select(p => p.name), positions.Select(p => p.name));
    }

    [Fact]
    public async Task Forgetting_previews_with_dry_run_then_archives_faded_memories_and_spares_frozen_ones()
    {
        Assert.Equal(0, (await cli.RunAsync("cube", "create", "notes", "--forget-below", "0.1")).Code);
        string faded = (await cli.RunAsync("add", "Parked on level 3", "--cube", "notes")).Out.Trim();
        string frozen = (await cli.RunAsync("add", "Passport number X123", "--cube", "notes")).Out.Trim();
        Assert.Equal(0, (await cli.RunAsync("state", frozen, "frozen", "--cube", "notes")).Code);
        string later = DateTimeOffset.UtcNow.AddDays(30).ToString("O", CultureInfo.InvariantCulture);

        var dry = await Lines("maintain", "--cube", "notes", "--jobs", "forgetting", "--dry-run", "--as-of", later);
        var job = Assert.Single(dry, l => l.GetProperty("event").GetString() == "job");
        Assert.True(job.GetProperty("dryRun").GetBoolean());
        Assert.Equal((2, 1, 1), (Count(job, "examined"), Count(job, "archived"), Count(job, "exempt")));
        Assert.Equal(faded, job.GetProperty("actions")[0].GetProperty("id").GetString());
        Assert.Contains(dry, l => l.GetProperty("event").GetString() == "progress");
        Assert.Equal("active", (await cli.JsonAsync("get", faded)).GetProperty("state").GetString());

        var done = (await Lines("maintain", "--cube", "notes", "--jobs", "forgetting", "--as-of", later))[^1];
        Assert.Equal("done", done.GetProperty("event").GetString());
        Assert.Equal(1, done.GetProperty("totals").GetProperty("archived").GetInt32());

        var archived = await cli.JsonAsync("get", faded);
        Assert.Equal("archived", archived.GetProperty("state").GetString());
        Assert.StartsWith("forgotten: retention", archived.GetProperty("stateReason").GetString(), StringComparison.Ordinal);
        Assert.Equal("frozen", (await cli.JsonAsync("get", frozen)).GetProperty("state").GetString());

        // Today nothing has faded yet: a run without --as-of archives nothing more.
        var today = (await Lines("maintain", "--cube", "notes", "--jobs", "forgetting"))[^1];
        Assert.Equal(0, today.GetProperty("totals").GetProperty("archived").GetInt32());
    }

    [Fact]
    public async Task All_cubes_runs_on_the_cubes_the_user_can_write_and_skips_those_it_can_only_read()
    {
        // The jobs write: the first cube shared read-only failed the whole run, after the cubes before it had changed.
        Assert.Equal(0, (await cli.RunAsync("cube", "create", "mine", "--forget-below", "0.1", "--user", "bob")).Code);
        Assert.Equal(0, (await cli.RunAsync("cube", "create", "alices", "--forget-below", "0.1", "--user", "alice")).Code);
        Assert.Equal(0, (await cli.RunAsync("cube", "grant", "alices", "--to-user", "bob", "--access", "read", "--user", "alice")).Code);
        string bobs = (await cli.RunAsync("add", "Parked on level 3", "--cube", "mine", "--user", "bob")).Out.Trim();
        string alices = (await cli.RunAsync("add", "Parked on level 5", "--cube", "alices", "--user", "alice")).Out.Trim();
        string later = DateTimeOffset.UtcNow.AddDays(30).ToString("O", CultureInfo.InvariantCulture);

        var (code, output, err) = await cli.RunAsync("maintain", "--all-cubes", "--jobs", "forgetting", "--as-of", later, "--user", "bob");
        Assert.True(code == 0, err);
        Assert.Contains("skipped 1 cube(s) you can only read: alices", output + err, StringComparison.Ordinal);
        Assert.Equal("archived", (await cli.JsonAsync("get", bobs, "--user", "bob")).GetProperty("state").GetString());
        Assert.Equal("active", (await cli.JsonAsync("get", alices, "--user", "alice")).GetProperty("state").GetString());
    }

    [Fact]
    public async Task Consolidation_merges_near_duplicates_and_prints_a_table_for_people()
    {
        string first = (await cli.RunAsync("add", "Melanie signed up for a pottery class", "--actor", "Melanie")).Out.Trim();
        string second = (await cli.RunAsync("add", "Melanie signed up for a pottery class on Monday", "--actor", "Melanie")).Out.Trim();
        await cli.RunAsync("add", "Caroline went to a support group", "--actor", "Caroline");

        var (code, output, error) = await cli.RunAsync("maintain", "--jobs", "consolidation,forgetting");
        Assert.True(code == 0, error);
        Assert.Contains("consolidation", output, StringComparison.Ordinal);
        Assert.Contains("merged 1", output, StringComparison.Ordinal);
        Assert.Contains($"merge {first} -> {second}", output, StringComparison.Ordinal);
        Assert.Contains("consolidation on default: running", error, StringComparison.Ordinal);

        var history = await cli.JsonAsync("history", first);
        var versions = history.GetProperty("versions");
        Assert.Equal("superseded", versions[versions.GetArrayLength() - 1].GetProperty("state").GetString());
        var search = await cli.JsonAsync("search", "pottery class");
        Assert.Equal(second, search.GetProperty("hits")[0].GetProperty("memory").GetProperty("id").GetString());
        Assert.Equal(1, search.GetProperty("hits").EnumerateArray().Count(h => h.GetProperty("memory").GetProperty("text").GetString()!.Contains("pottery", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task All_cubes_runs_every_cube_and_bad_input_is_a_user_error()
    {
        await cli.RunAsync("add", "one", "--cube", "a");
        await cli.RunAsync("add", "two", "--cube", "b");
        var done = (await Lines("maintain", "--all-cubes", "--dry-run"))[^1];
        Assert.Equal(2, done.GetProperty("cubes").GetInt32());
        Assert.Equal(["expiry", "forgetting", "consolidation", "linking"], done.GetProperty("jobs").EnumerateArray().Select(j => j.GetString()));

        var (code, _, error) = await cli.RunAsync("maintain", "--cube", "a", "--jobs", "defrag");
        Assert.Equal(1, code);
        Assert.Contains("Unknown maintenance job(s): defrag", error, StringComparison.Ordinal);
        Assert.Equal(1, (await cli.RunAsync("maintain", "--cube", "missing")).Code);
        Assert.Equal(1, (await cli.RunAsync("maintain", "--cube", "a", "--as-of", "next tuesday")).Code);
        Assert.Equal(1, (await cli.RunAsync("cube", "create", "c", "--forget-below", "2")).Code);
        var (noModel, _, why) = await cli.RunAsync("maintain", "--cube", "a", "--jobs", "summaries");
        Assert.Equal(1, noModel);
        Assert.Contains("needs a chat model", why, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData(",")]
    [InlineData(" , ")]
    public async Task Jobs_given_without_a_name_is_a_user_error_not_every_job(string jobs)
    {
        // No names read as no selection, so every job ran, the TTL purge included.
        Assert.Equal(0, (await cli.RunAsync("cube", "create", "notes", "--hard-delete-after-days", "1")).Code);
        Assert.Equal(0, (await cli.RunAsync("add", "Parked on level 3", "--cube", "notes")).Code);

        var (code, output, error) = await cli.RunAsync("maintain", "--cube", "notes", "--jobs", jobs);
        Assert.True(code == 1, $"exit {code}: {output}{error}");
        Assert.Equal(string.Empty, output);
        Assert.StartsWith("error: --jobs ", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd().Split('\n')); // no job ran: none reported progress
    }

    [Fact]
    public async Task Summaries_run_against_a_configured_chat_endpoint()
    {
        for (int i = 0; i < 4; i++)
        {
            await cli.RunAsync("add", $"Planning the garden, step {i}: tomatoes along the south wall", "--session", "s1", "--actor", "ann");
        }

        using var listener = new System.Net.HttpListener();
        int port = FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        string? request = null;
        var server = Task.Run(async () =>
        {
            var ctx = await listener.GetContextAsync();
            using (var reader = new StreamReader(ctx.Request.InputStream))
            {
                request = await reader.ReadToEndAsync();
            }

            byte[] body = System.Text.Encoding.UTF8.GetBytes("{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"Ann plans tomatoes along the south wall of her garden.\"}}]}");
            ctx.Response.ContentType = "application/json";
            await ctx.Response.OutputStream.WriteAsync(body);
            ctx.Response.Close();
        });

        var lines = await Lines("maintain", "--jobs", "summaries", "--chat-url", $"http://127.0.0.1:{port}/v1", "--chat-model", "test-model");
        await server;

        var job = Assert.Single(lines, l => l.GetProperty("event").GetString() == "job");
        Assert.Equal(1, Count(job, "summarized"));
        Assert.Contains("tomatoes along the south wall", request, StringComparison.Ordinal);
        string id = job.GetProperty("actions")[0].GetProperty("id").GetString()!;
        var summary = await cli.JsonAsync("get", id);
        Assert.Equal("Ann plans tomatoes along the south wall of her garden.", summary.GetProperty("text").GetString());
        Assert.Equal(4, summary.GetProperty("links").GetArrayLength());
    }

    [Fact]
    public async Task A_table_run_that_fails_on_a_later_cube_still_prints_what_the_jobs_before_it_did()
    {
        // The table was printed only once every cube and job had run: a job failing on the second cube left the user the
        // error alone, though the jobs before it had committed (a TTL purge among them would be for good).
        var (output, error, code) = await FailingSummariesRunAsync(cancel: false);

        Assert.True(code == 1, $"exit {code}: {error}");
        Assert.Contains("401", error, StringComparison.Ordinal);
        AssertRowsBeforeTheFailure(output);
    }

    [Fact]
    public async Task A_table_run_cancelled_on_a_later_cube_still_prints_what_the_jobs_before_it_did()
    {
        var (output, error, code) = await FailingSummariesRunAsync(cancel: true);

        Assert.True(code == Verb.Cancelled, $"exit {code}: {error}");
        AssertRowsBeforeTheFailure(output);
    }

    /// <summary>
    /// Runs forgetting and summaries on cubes a and b (in that order) in table mode; only b has a session to summarise, and its
    /// chat call is refused with 401 or, with <paramref name="cancel"/>, the run is cancelled while the call waits.
    /// </summary>
    private async Task<(string Output, string Error, int Code)> FailingSummariesRunAsync(bool cancel)
    {
        Assert.Equal(0, (await cli.RunAsync("cube", "create", "a", "--forget-below", "0.1")).Code);
        Assert.Equal(0, (await cli.RunAsync("cube", "create", "b", "--forget-below", "0.1")).Code);
        await cli.RunAsync("add", "Parked on level 3", "--cube", "a");
        for (int i = 0; i < 4; i++)
        {
            await cli.RunAsync("add", $"Planning the garden, step {i}: tomatoes along the south wall", "--cube", "b", "--session", "s1", "--actor", "ann");
        }

        using var listener = new System.Net.HttpListener();
        int port = FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        using var cancellation = new CancellationTokenSource();
        var server = Task.Run(async () =>
        {
            var ctx = await listener.GetContextAsync();
            if (cancel)
            {
                cancellation.Cancel();
                return ctx;
            }

            byte[] body = System.Text.Encoding.UTF8.GetBytes("{\"error\":{\"message\":\"bad key\"}}");
            ctx.Response.StatusCode = 401;
            ctx.Response.ContentType = "application/json";
            await ctx.Response.OutputStream.WriteAsync(body);
            ctx.Response.Close();
            return null;
        });

        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = await CliApp.RunAsync(
            ["--db", cli.DbPath, "maintain", "--all-cubes", "--jobs", "forgetting,summaries", "--chat-url", $"http://127.0.0.1:{port}/v1", "--chat-model", "test-model"],
            stdout, stderr, TerminalKind.None, cancellation.Token);
        (await server)?.Response.Abort();
        return (stdout.ToString(), stderr.ToString(), code);
    }

    private static void AssertRowsBeforeTheFailure(string output)
    {
        var rows = output.Split('\n').Select(l => l.Split('│', StringSplitOptions.TrimEntries)).Where(c => c.Length == 5).Select(c => (c[1], c[2], c[3])).ToList();
        Assert.True(rows.Contains(("a", "forgetting", "archived 0, conflicts 0, examined 1, exempt 0, kept 1")), output);
        Assert.Contains(rows, r => r.Item1 == "a" && r.Item2 == "summaries");
        Assert.True(rows.Contains(("b", "forgetting", "archived 0, conflicts 0, examined 4, exempt 0, kept 4")), output);
        Assert.DoesNotContain(rows, r => r.Item1 == "b" && r.Item2 == "summaries");
        Assert.Contains("Stopped after 3 of 4 job run(s)", output, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var socket = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        socket.Start();
        return ((System.Net.IPEndPoint)socket.LocalEndpoint).Port;
    }

    private async Task<List<JsonElement>> Lines(params string[] args)
    {
        var (code, output, error) = await cli.RunAsync([.. args, "--json"]);
        Assert.True(code == 0, $"exit {code}: {error}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
        {
            using var doc = JsonDocument.Parse(line);
            return doc.RootElement.Clone();
        }).ToList();
    }

    private static int Count(JsonElement job, string name) => job.GetProperty("counts").GetProperty(name).GetInt32();
}
