namespace AgentMem.Cli.Tests.Chat;

/// <summary>
/// <c>agentmem chat</c>'s own cube, <c>chat-USER</c>, when <c>--cube</c> is not given: the user's, as the agent's private
/// cube is, and a valid cube name whatever the length of the user id.
/// </summary>
public sealed class ChatCubeTests
{
    [Fact]
    public async Task A_chat_cube_of_the_users_name_that_someone_else_owns_is_refused()
    {
        // Named by the CLI, the cube skipped the agent's owner check: alice's turns and facts went into mallory's cube, and
        // mallory's memories into alice's prompt.
        using var cli = new CliRunner();
        Assert.Equal(0, (await cli.RunAsync("cube", "create", "chat-alice", "--user", "mallory")).Code);
        Assert.Equal(0, (await cli.RunAsync("add", "alice owes mallory money", "--cube", "chat-alice", "--user", "mallory")).Code);
        Assert.Equal(0, (await cli.RunAsync("cube", "grant", "chat-alice", "--to-user", "alice", "--access", "readwrite", "--user", "mallory")).Code);
        await using var server = new ScriptedChatServer((_, _) => ChatScript.Say("Hello."));

        var (code, _, err) = await cli.RunAsync("chat", "--user", "alice", "--base-url", server.BaseUrl, "--model", "scripted", "--message", "hi");
        Assert.Equal(1, code);
        Assert.Contains("belongs to", err, StringComparison.Ordinal);
        var json = await cli.RunAsync("chat", "--user", "alice", "--base-url", server.BaseUrl, "--model", "scripted", "--message", "hi", "--json");
        Assert.Equal(1, json.Code);
        Assert.Contains("\"AccessDeniedException\"", json.Err, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
        var listed = await cli.JsonAsync("list", "--cube", "chat-alice", "--user", "mallory");
        Assert.Equal(1, listed.GetProperty("count").GetInt32());

        // Named with --cube, a cube shared with the user is the user's choice.
        (code, _, err) = await cli.RunAsync("chat", "--user", "alice", "--cube", "chat-alice", "--base-url", server.BaseUrl, "--model", "scripted", "--message", "hi");
        Assert.True(code == 0, err);
    }

    [Fact]
    public async Task A_user_id_too_long_for_chat_dash_user_gets_a_shortened_cube_name()
    {
        // "chat-" and a 128-character id made a 133-character name, over the cube name limit: every turn failed.
        using var cli = new CliRunner();
        string user = new('u', 128);
        await using var server = new ScriptedChatServer((_, _) => ChatScript.Say("Hello."));
        var (code, _, err) = await cli.RunAsync("chat", "--user", user, "--base-url", server.BaseUrl, "--model", "scripted", "--message", "hi");
        Assert.True(code == 0, err);

        var cubes = (await cli.JsonAsync("cube", "list", "--user", user)).GetProperty("cubes").EnumerateArray().ToList();
        string name = Assert.Single(cubes).GetProperty("name").GetString()!;
        Assert.Equal(128, name.Length);
        Assert.StartsWith("chat-uuu", name, StringComparison.Ordinal);

        // The same id gets the same cube the next time, so the chat remembers.
        Assert.Equal(0, (await cli.RunAsync("chat", "--user", user, "--base-url", server.BaseUrl, "--model", "scripted", "--message", "again")).Code);
        Assert.Single((await cli.JsonAsync("cube", "list", "--user", user)).GetProperty("cubes").EnumerateArray());
    }

    [Fact]
    public async Task A_user_name_no_author_can_have_is_refused_before_the_chat_cube_is_made()
    {
        // The owner check made chat-USER before anything checked the user's name: "chat --user .." exited 1 and left a cube
        // "chat-.." behind.
        using var cli = new CliRunner();
        await using var server = new ScriptedChatServer((_, _) => ChatScript.Say("Hello."));
        var (code, _, err) = await cli.RunAsync("chat", "--user", "..", "--base-url", server.BaseUrl, "--model", "scripted", "--message", "hi");
        Assert.Equal(1, code);
        Assert.Contains("'..'", err, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
        Assert.Empty((await cli.JsonAsync("cube", "list", "--user", "..")).GetProperty("cubes").EnumerateArray());
    }
}
