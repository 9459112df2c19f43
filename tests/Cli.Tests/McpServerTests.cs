using System.Diagnostics;
using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace AgentMem.Cli.Tests;

/// <summary>Runs the real <c>agentmem mcp</c> process and talks to it with the MCP SDK's own stdio client.</summary>
public sealed class McpServerTests
{
    [Fact(Timeout = 120_000)]
    public async Task Lists_tools_then_adds_and_finds_a_memory_over_stdio()
    {
        using var cli = new CliRunner();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var ct = timeout.Token;
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "agentmem",
            Command = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet",
            Arguments = [Path.Combine(AppContext.BaseDirectory, "AgentMem.Cli.dll"), "--db", cli.DbPath, "--user", "ann", "mcp"],
        });
        await using (var client = await McpClient.CreateAsync(transport, cancellationToken: ct))
        {
            Assert.Equal("agentmem", client.ServerInfo?.Name);
            var tools = await client.ListToolsAsync(cancellationToken: ct);
            Assert.Equal(["core_memory_append", "core_memory_replace", "memory_add", "memory_delete", "memory_history", "memory_links", "memory_search", "memory_update"], tools.Select(t => t.Name).Order(StringComparer.Ordinal));
            var search = tools.Single(t => t.Name == "memory_search");
            Assert.Contains("query", search.JsonSchema.GetProperty("properties").EnumerateObject().Select(p => p.Name));

            var added = Json(await client.CallToolAsync("memory_add", new Dictionary<string, object?> { ["text"] = "Ann adopted a cat named Miso", ["speaker"] = "Ann", ["eventTime"] = "2024-05-07" }, cancellationToken: ct));
            string id = added.GetProperty("id").GetString()!;
            Assert.True(added.GetProperty("created").GetBoolean());

            var hits = Json(await client.CallToolAsync("memory_search", new Dictionary<string, object?> { ["query"] = "what is the cat called", ["k"] = 3 }, cancellationToken: ct));
            var top = hits.EnumerateArray().First();
            Assert.Equal(id, top.GetProperty("id").GetString());
            Assert.Equal("Ann adopted a cat named Miso", top.GetProperty("text").GetString());
            Assert.Equal("2024-05-07", top.GetProperty("date").GetString());

            // The core memory blocks are editable here too, and stored as memories with versions.
            await client.CallToolAsync("core_memory_append", new Dictionary<string, object?> { ["name"] = "human", ["text"] = "Ann lives in Bergen." }, cancellationToken: ct);
            var block = await client.CallToolAsync("core_memory_replace", new Dictionary<string, object?> { ["name"] = "human", ["old_text"] = "Bergen", ["new_text"] = "Oslo" }, cancellationToken: ct);
            Assert.NotEqual(true, block.IsError);
            Assert.Equal(("Ann lives in Oslo.", 2), (Json(block).GetProperty("text").GetString(), Json(block).GetProperty("version").GetInt32()));

            // Input errors reach the client as tool errors with the tool's own message.
            var bad = await client.CallToolAsync("memory_update", new Dictionary<string, object?> { ["id"] = "nope", ["text"] = "x" }, cancellationToken: ct);
            Assert.True(bad.IsError);
            Assert.Contains("is not a memory id", Text(bad), StringComparison.Ordinal);

            // So do arguments of the wrong JSON type: the converter's message, not only "An error occurred invoking 'memory_search'.".
            var mistyped = await client.CallToolAsync("memory_search", new Dictionary<string, object?> { ["query"] = "cat", ["k"] = "five" }, cancellationToken: ct);
            Assert.True(mistyped.IsError);
            Assert.Contains("could not be converted", Text(mistyped), StringComparison.Ordinal);

            // The cubes resource lists the cube the tools created.
            var resources = await client.ListResourcesAsync(cancellationToken: ct);
            Assert.Contains(resources, r => r.Uri == "agentmem://cubes");
            var cubes = await client.ReadResourceAsync("agentmem://cubes", cancellationToken: ct);
            Assert.Contains("\"default\"", Assert.IsType<TextResourceContents>(Assert.Single(cubes.Contents)).Text, StringComparison.Ordinal);
        }

        // What the server wrote is in the database, visible to the ordinary CLI.
        var listed = await cli.JsonAsync("--user", "ann", "search", "Miso");
        Assert.Contains("Miso", listed.GetRawText(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_client_whose_discover_probe_times_out_still_connects()
    {
        // SDK clients first probe with server/discover and fall back to initialize when the probe times out (5 s by default).
        // A cold server on a busy machine answers the probe late; with ModelContextProtocol 2.3.1 the server then refused the
        // fallback ("initialize is not available on protocol version 2026-07-28") and the client never connected. A 1 ms
        // probe makes that late answer certain.
        using var cli = new CliRunner();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "agentmem",
            Command = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet",
            Arguments = [Path.Combine(AppContext.BaseDirectory, "AgentMem.Cli.dll"), "--db", cli.DbPath, "--user", "ann", "mcp"],
        });
        var options = new McpClientOptions { DiscoverProbeTimeout = TimeSpan.FromMilliseconds(1) };
        await using var client = await McpClient.CreateAsync(transport, options, cancellationToken: timeout.Token);
        var tools = await client.ListToolsAsync(cancellationToken: timeout.Token);
        Assert.Contains(tools, t => t.Name == "memory_search");
    }

    [Fact(Timeout = 60_000)]
    public async Task Writes_nothing_but_protocol_to_stdout()
    {
        using var cli = new CliRunner();
        using var child = StartMcp(cli);
        child.StandardInput.Close(); // end of input: the server stops without a client ever speaking
        string stdout = await child.StandardOutput.ReadToEndAsync();
        string stderr = await child.StandardError.ReadToEndAsync();
        await child.WaitForExitAsync();

        Assert.Equal(0, child.ExitCode);
        Assert.Equal(string.Empty, stdout);
        Assert.Contains("MCP server on stdio", stderr, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_piped_client_that_closes_stdin_at_once_still_gets_every_answer()
    {
        using var cli = new CliRunner();
        using var child = StartMcp(cli);
        var stderrTask = child.StandardError.ReadToEndAsync();
        await child.StandardInput.WriteAsync(
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"pipe\",\"version\":\"1\"}}}\n" +
            "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n" +
            "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}\n");
        child.StandardInput.Close(); // as `printf ... | agentmem mcp` does: the requests, then end of input at once
        string stdout = await child.StandardOutput.ReadToEndAsync();
        await stderrTask;
        await child.WaitForExitAsync();

        Assert.Equal(0, child.ExitCode);
        var answers = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        Assert.Equal([1, 2], answers.Select(a => a.GetProperty("id").GetInt32()).Order());
        Assert.Contains("memory_search", answers.Single(a => a.GetProperty("id").GetInt32() == 2).GetRawText(), StringComparison.Ordinal);
    }

    /// <summary><c>agentmem mcp</c> as a child process with all three standard streams redirected.</summary>
    private static Process StartMcp(CliRunner cli)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string arg in new[] { Path.Combine(AppContext.BaseDirectory, "AgentMem.Cli.dll"), "--db", cli.DbPath, "mcp" })
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start)!;
    }

    private static string Text(CallToolResult result) =>
        string.Concat(result.Content.OfType<TextContentBlock>().Select(b => b.Text));

    private static JsonElement Json(CallToolResult result)
    {
        Assert.True(result.IsError is not true, Text(result));
        using var doc = JsonDocument.Parse(Text(result));
        return doc.RootElement.Clone();
    }
}
