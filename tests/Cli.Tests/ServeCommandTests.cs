using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using AgentMem.Cli.Output;
using AgentMem.Server.Auth;

namespace AgentMem.Cli.Tests;

public sealed class ServeCommandTests
{
    [Fact]
    public async Task Serve_without_keys_refuses_a_non_loopback_address()
    {
        using var cli = new CliRunner();
        var (code, _, err) = await cli.RunAsync("serve", "--urls", "http://0.0.0.0:0");
        Assert.Equal(1, code);
        Assert.Contains("loopback", err, StringComparison.Ordinal);
    }

    [Theory(Timeout = 120_000)]
    [InlineData("")]
    [InlineData(";")]
    public async Task Serve_refuses_urls_that_name_no_address(string urls)
    {
        // No address left Kestrel to its defaults (ASPNETCORE_HTTP_PORTS binds every interface): the loopback guard then
        // failed the start as an unexpected error, exit 2.
        using var cli = new CliRunner();
        var (code, _, err) = await cli.RunAsync("serve", "--urls", urls);
        Assert.Equal(1, code);
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.StartsWith("error: --urls ", err, StringComparison.Ordinal);
    }

    [Theory(Timeout = 120_000)]
    [InlineData("localhost:0", false)]
    [InlineData("127.0.0.1:0", false)]
    [InlineData("127.0.0.1:0", true)]
    [InlineData("http://127.0.0.1:0;localhost:0", true)]
    [InlineData("ftp://127.0.0.1:0", true)]
    public async Task Serve_refuses_an_address_without_an_http_scheme_in_one_line_before_starting(string urls, bool keys)
    {
        // Without keys the loopback guard said 'localhost:0' was not loopback; with keys the host failed in StartAsync and
        // logged "Hosting failed to start" with a stack trace before the error.
        using var cli = new CliRunner();
        string[] args = ["serve", "--urls", urls];
        if (keys)
        {
            string file = Path.Combine(cli.Folder, "keys.txt");
            await File.WriteAllTextAsync(file, $"acme:{ApiKeyHasher.Hash(ApiKeyHasher.NewKey())}\n");
            args = [.. args, "--api-key-file", file];
        }

        var (code, _, err) = await cli.RunAsync(args);
        Assert.Equal(1, code);
        Assert.Single(err.TrimEnd().Split('\n'));
        string bad = urls.Split(';')[^1];
        Assert.StartsWith($"error: --urls '{bad}' is not an http(s) address to listen on", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_refuses_a_body_limit_below_1024_in_one_line_naming_the_flag()
    {
        using var cli = new CliRunner();
        var (code, _, err) = await cli.RunAsync("serve", "--urls", "http://127.0.0.1:0", "--max-body-bytes", "-1");
        Assert.Equal(1, code);
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.StartsWith("error: --max-body-bytes ", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_refuses_an_unknown_tokenizer_in_one_line()
    {
        using var cli = new CliRunner();
        var (code, _, err) = await cli.RunAsync("serve", "--urls", "http://127.0.0.1:0", "--tokenizer", "gpt5");
        Assert.Equal(1, code);
        Assert.Equal("error: --tokenizer: Unknown tokenizer 'gpt5': use " + Retrieval.Tokens.TokenCounters.SpecHelp + ".", err.TrimEnd());
    }

    [Fact]
    public async Task Serve_rejects_a_malformed_key_file()
    {
        using var cli = new CliRunner();
        string file = Path.Combine(cli.Folder, "keys.txt");
        await File.WriteAllTextAsync(file, "acme:not-a-hash\n");
        var (code, _, err) = await cli.RunAsync("serve", "--urls", "http://127.0.0.1:0", "--api-key-file", file);
        Assert.Equal(1, code);
        Assert.Contains("line 1", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_without_keys_acts_as_the_global_user_for_requests_that_name_none()
    {
        // --user was neither applied nor refused: every keyless call acted as the tenant's no-user scope, so the cube alice
        // made with the CLI answered her REST calls with 403 and the cube list was empty.
        using var cli = new CliRunner();
        Assert.Equal(0, (await cli.RunAsync("--user", "alice", "add", "alice likes green tea")).Code);
        int port = LocalService.FreePort();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var serving = Task.Run(() => CliApp.RunAsync(["--db", cli.DbPath, "--user", "alice", "serve", "--urls", $"http://127.0.0.1:{port}"], stdout, stderr, TerminalKind.None, cts.Token));

        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        await LocalService.WaitForHealthAsync(client, () => serving.IsCompleted);
        var cubes = await client.GetFromJsonAsync<System.Text.Json.JsonElement>("/v1/cubes");
        Assert.Equal("alice", Assert.Single(cubes.EnumerateArray()).GetProperty("ownerUser").GetString());
        var search = await client.PostAsJsonAsync("/v1/search", new { query = "green tea" });
        Assert.Equal(HttpStatusCode.OK, search.StatusCode);
        Assert.Equal(1, (await search.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("hits").GetArrayLength());

        // A request that names a user still acts as that user: bob may not read alice's cube.
        Assert.Empty((await client.GetFromJsonAsync<System.Text.Json.JsonElement>("/v1/cubes?user=bob")).EnumerateArray());

        await cts.CancelAsync();
        Assert.Equal(0, await serving.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("user 'alice'", stderr.ToString(), StringComparison.Ordinal);
    }

    [Theory(Timeout = 120_000)]
    [InlineData("--user")]
    [InlineData("--agent")]
    public async Task Serve_with_a_key_file_refuses_the_global_user_or_agent_in_one_line(string flag)
    {
        // It was ignored without a word: every key acted as its own binding (or the request's), never as the flag's.
        using var cli = new CliRunner();
        string file = Path.Combine(cli.Folder, "keys.txt");
        await File.WriteAllTextAsync(file, $"acme:{ApiKeyHasher.Hash(ApiKeyHasher.NewKey())}\n");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = await CliApp.RunAsync(["--db", cli.DbPath, flag, "alice", "serve", "--urls", "http://127.0.0.1:0", "--api-key-file", file], stdout, stderr, TerminalKind.None, cts.Token);
        Assert.Equal(1, code);
        string err = stderr.ToString();
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.StartsWith($"error: {flag} applies only without API keys", err, StringComparison.Ordinal);
        Assert.Contains($"{flag[2..]}=NAME", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_with_a_key_file_answers_until_cancelled_and_data_lands_in_the_db()
    {
        using var cli = new CliRunner();
        string key = ApiKeyHasher.NewKey();
        string file = Path.Combine(cli.Folder, "keys.txt");
        await File.WriteAllTextAsync(file, $"# test key\nacme:{ApiKeyHasher.Hash(key)}\n");
        int port = LocalService.FreePort();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var serving = Task.Run(() => CliApp.RunAsync(["--db", cli.DbPath, "serve", "--urls", $"http://127.0.0.1:{port}", "--api-key-file", file, "--tokenizer", "cl100k"], stdout, stderr, TerminalKind.None, cts.Token));

        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        await LocalService.WaitForHealthAsync(client, () => serving.IsCompleted);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/v1/cubes")).StatusCode);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var added = await client.PostAsJsonAsync("/v1/memories", new { text = "Served memories land in the same database", cube = "default" });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var context = await client.PostAsJsonAsync("/v1/context", new { query = "database", cube = "default" });
        Assert.Equal(HttpStatusCode.OK, context.StatusCode);
        Assert.StartsWith("cl100k_base", (await context.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("tokenizer").GetString(), StringComparison.Ordinal);

        await cts.CancelAsync();
        Assert.Equal(0, await serving.WaitAsync(TimeSpan.FromSeconds(30)));

        // The server stored it under the key's tenant; the CLI sees it there after shutdown.
        var (code, output, _) = await cli.RunAsync("--tenant", "acme", "search", "same database", "--json");
        Assert.Equal(0, code);
        Assert.Contains("Served memories", output, StringComparison.Ordinal);
    }
}
