using System.Text.Json;

namespace AgentMem.Cli.Tests.Chat;

/// <summary>
/// <c>agentmem chat --message</c> run twice, in two processes, over one database: what the first run was told reaches the
/// second run's prompt, and the model's own edit of its <c>human</c> block is stored as a versioned memory.
/// </summary>
public sealed class ChatRemembersTests
{
    private const string ApiKey = "test-chat-key";

    [Fact]
    public async Task The_second_run_recalls_the_first_and_the_model_edits_its_human_block()
    {
        using var cli = new CliRunner();
        await using var server = new ScriptedChatServer((_, request) =>
            request.AfterToolCall ? ChatScript.Say("Noted, ", "I will remember.")
            : request.UserMessage.Contains("Bergen", StringComparison.Ordinal) ? ChatScript.Call("core_memory_append", new { name = "human", text = "Lives in Bergen." })
            : ChatScript.Call("core_memory_replace", new { name = "human", old_text = "Bergen", new_text = "Oslo" }));

        var first = await RunChatAsync(cli, server, "My favourite colour is teal and I live in Bergen.");
        Assert.True(first.Code == 0, first.Err);
        Assert.Contains("Noted, I will remember.", first.Out, StringComparison.Ordinal);
        var firstRequest = server.Requests.First();
        Assert.Equal($"Bearer {ApiKey}", firstRequest.Authorization);
        Assert.Equal("/v1/chat/completions", firstRequest.Path);
        Assert.Contains("core_memory_replace", firstRequest.Tools);
        Assert.DoesNotContain("teal", firstRequest.Messages[0].Content, StringComparison.Ordinal);

        int before = server.Requests.Count;
        var second = await RunChatAsync(cli, server, "I moved to Oslo. Which colour do I like?");
        Assert.True(second.Code == 0, second.Err);
        string system = server.Requests.ElementAt(before).Messages[0].Content;
        Assert.Contains("teal", system, StringComparison.Ordinal);
        Assert.Contains("Lives in Bergen.", system, StringComparison.Ordinal);

        // The block is a memory like any other: listed by its tag, at a later version, its earlier text in its history.
        var blocks = await cli.JsonAsync("list", "--user", "me", "--cube", "chat-me", "--tag", "core-block:human");
        var block = Assert.Single(blocks.GetProperty("items").EnumerateArray());
        Assert.Equal("Lives in Oslo.", block.GetProperty("text").GetString());
        string id = block.GetProperty("id").GetString()!;
        var current = await cli.JsonAsync("get", id, "--user", "me");
        Assert.Equal("Lives in Oslo.", current.GetProperty("text").GetString());
        var history = await cli.JsonAsync("history", id, "--user", "me");
        var texts = history.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("text").GetString()).ToList();
        Assert.Equal("Lives in Bergen.", texts[^2]);
        Assert.Equal("Lives in Oslo.", texts[^1]);
        Assert.True(current.GetProperty("version").GetInt32() >= 2);
    }

    [Fact]
    public async Task Json_prints_the_reply_and_the_memories_written()
    {
        using var cli = new CliRunner();
        await using var server = new ScriptedChatServer((_, _) => ChatScript.Say("Hello ", "there."));
        using var chat = new CliProcess(["--db", cli.DbPath, "chat", "--base-url", server.BaseUrl, "--model", "scripted", "--message", "Hi, I am Ada.", "--json"]);
        var (code, output, error) = await chat.ExitAsync();
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("Hello there.", doc.RootElement.GetProperty("reply").GetString());
        Assert.Equal(2, doc.RootElement.GetProperty("memoriesWritten").GetArrayLength());
    }

    private static async Task<(int Code, string Out, string Err)> RunChatAsync(CliRunner cli, ScriptedChatServer server, string message)
    {
        using var chat = new CliProcess(
            ["--db", cli.DbPath, "chat", "--base-url", server.BaseUrl, "--model", "scripted", "--message", message],
            new Dictionary<string, string?> { ["AGENTMEM_CHAT_API_KEY"] = ApiKey });
        return await chat.ExitAsync();
    }
}
