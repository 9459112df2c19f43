namespace AgentMem.Cli.Tests.Chat;

/// <summary><c>agentmem chat</c>'s one-line errors (exit 1) when there is no model to talk to.</summary>
public sealed class ChatErrorTests
{
    [Fact]
    public async Task Without_a_model_it_says_how_to_name_one()
    {
        using var cli = new CliRunner();
        using var chat = new CliProcess(["--db", cli.DbPath, "chat", "--message", "hello"]);
        var (code, _, error) = await chat.ExitAsync();
        Assert.Equal(1, code);
        Assert.Contains("chat needs a model: pass --base-url URL --model NAME", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public async Task A_base_url_without_a_model_name_is_refused()
    {
        using var cli = new CliRunner();
        var (code, _, error) = await cli.RunAsync("chat", "--base-url", "http://127.0.0.1:9/v1", "--message", "hello");
        Assert.Equal(1, code);
        Assert.Contains("needs a model name", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_endpoint_is_one_line_and_exit_1()
    {
        using var cli = new CliRunner();
        string url = $"http://127.0.0.1:{LocalService.FreePort()}/v1";
        var (code, _, error) = await cli.RunAsync("chat", "--base-url", url, "--model", "m", "--message", "hello");
        Assert.Equal(1, code);
        Assert.StartsWith($"error: cannot reach the chat endpoint {url}", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public async Task An_agent_name_no_author_can_have_is_a_user_error()
    {
        // The agent's options refuse it when the agent is made: let through, it was reported as an unexpected error (exit 2).
        using var cli = new CliRunner();
        var (code, _, error) = await cli.RunAsync("chat", "--agent", "..", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--message", "hello");
        Assert.Equal(1, code);
        Assert.Contains("The agent name '..' cannot be used", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public async Task A_missing_local_model_is_named()
    {
        using var cli = new CliRunner();
        var (code, _, error) = await cli.RunAsync("chat", "--local-model", Path.Combine(cli.Folder, "nope"), "--message", "hello");
        Assert.Equal(1, code);
        Assert.Contains("--local-model", error, StringComparison.Ordinal);
    }
}
