namespace AgentMem.Cli.Tests.Chat;

/// <summary><c>agentmem chat --local-model</c>: the shared tiny story model answers (it babbles) and the turn is remembered.</summary>
public sealed class ChatLocalModelTests
{
    [Fact]
    public async Task The_local_model_host_answers_and_the_turn_is_stored()
    {
        using var cli = new CliRunner();
        string[] model = ["--local-model", RepoPaths.StoriesModel, "--tokenizer", RepoPaths.StoriesTokenizer];
        var (code, output, error) = await cli.RunAsync(["chat", .. model, "--message", "My favourite colour is teal."]);
        Assert.True(code == 0, error);
        Assert.False(string.IsNullOrWhiteSpace(output));

        var listed = await cli.JsonAsync("list", "--user", "me", "--cube", "chat-me");
        Assert.Contains(listed.GetProperty("items").EnumerateArray(), i => i.GetProperty("text").GetString() == "My favourite colour is teal.");
    }
}
