namespace AgentMem.Cli.Tests.Chat;

/// <summary>
/// <c>agentmem chat</c> in a child process against a server that holds its stream between chunks: each chunk must reach
/// stdout while the server still holds the next (so the reply arrives before the turn ends), and Ctrl-C during a reply stops
/// that reply, stores nothing from the turn, and leaves the chat running.
/// </summary>
public sealed class ChatStreamingTests
{
    private static readonly string[] Story = ["Once ", "upon ", "a time."];

    [Fact]
    public async Task The_reply_reaches_stdout_chunk_by_chunk_before_the_turn_ends()
    {
        using var cli = new CliRunner();
        TaskCompletionSource[] shown = [.. Story.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))];
        await using var server = new ScriptedChatServer((_, _) => ChatScript.Say(Story))
        {
            // Chunk k is sent only once chunk k-1 is on the CLI's stdout: a CLI that buffered the reply would never see it.
            BeforeChunk = (k, ct) => k == 0 ? Task.CompletedTask : shown[k - 1].Task.WaitAsync(TimeSpan.FromSeconds(60), ct),
        };
        using var chat = new CliProcess(["--db", cli.DbPath, "chat", "--base-url", server.BaseUrl, "--model", "scripted", "--message", "Tell me a story."]);

        string expected = string.Empty;
        for (int k = 0; k < Story.Length; k++)
        {
            expected += Story[k];
            await chat.WaitForOutputAsync(expected, seconds: 30);
            if (k + 1 < Story.Length)
            {
                Assert.False(chat.Out.Contains(Story[k + 1], StringComparison.Ordinal), $"'{Story[k + 1]}' was on stdout before the server sent it");
            }

            shown[k].SetResult();
        }

        var (code, output, error) = await chat.ExitAsync();
        Assert.True(code == 0, error);
        Assert.Equal("Once upon a time.", output.Trim());
        Assert.True(Assert.Single(server.Requests).Stream, "the CLI should ask for a streamed reply");

        // Only after the stream completed was the turn written back.
        var listed = await cli.JsonAsync("list", "--user", "me", "--cube", "chat-me");
        var texts = listed.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("text").GetString()).ToList();
        Assert.Contains("Tell me a story.", texts);
        Assert.Contains("Once upon a time.", texts);
    }

    [SkippableFact]
    public async Task Ctrl_C_stops_the_reply_stores_nothing_and_the_chat_goes_on()
    {
        Skip.If(CliProcess.InterruptIgnored, "this test process ignores SIGINT (started in the background), so the CLI it starts cannot receive Ctrl-C; run it from a foreground shell");
        using var cli = new CliRunner();
        // The stream stalls after its first chunk until the server stops, as a slow model would.
        await using var server = new ScriptedChatServer((_, _) => ChatScript.Say(Story))
        {
            BeforeChunk = (k, ct) => k == 0 ? Task.CompletedTask : Task.Delay(Timeout.Infinite, ct),
        };
        using var chat = new CliProcess(["--db", cli.DbPath, "chat", "--base-url", server.BaseUrl, "--model", "scripted"]);

        await chat.SendLineAsync("Tell me a story.");
        await chat.WaitForOutputAsync("Once ", seconds: 30);
        chat.Interrupt();
        await chat.WaitForErrorAsync("reply stopped", seconds: 30);
        Assert.DoesNotContain("upon", chat.Out, StringComparison.Ordinal);
        Assert.True(Assert.Single(server.Requests).Stream, "the CLI should ask for a streamed reply");

        // Still chatting: a slash command answers, and there is nothing in memory from the stopped turn.
        await chat.SendLineAsync("/memories");
        await chat.WaitForOutputAsync("(no memories yet)", seconds: 30);
        await chat.SendLineAsync("/exit");
        var (code, _, error) = await chat.ExitAsync();
        Assert.True(code == 0, error);

        var listed = await cli.JsonAsync("list", "--user", "me", "--cube", "chat-me", "--state", "active", "--state", "frozen", "--state", "archived", "--state", "deleted");
        Assert.Equal(0, listed.GetProperty("count").GetInt32());
    }
}
