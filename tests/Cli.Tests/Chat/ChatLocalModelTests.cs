namespace AgentMem.Cli.Tests.Chat;

/// <summary><c>agentmem chat --local-model</c>: the shared tiny story model answers (it babbles) and the turn is remembered.</summary>
public sealed class ChatLocalModelTests
{
    [Fact]
    public async Task The_local_model_host_answers_and_the_turn_is_stored()
    {
        using var cli = new CliRunner();
        string[] model = ["--local-model", RepoPaths.StoriesModel, "--model-tokenizer", RepoPaths.StoriesTokenizer];
        var (code, output, error) = await cli.RunAsync(["chat", .. model, "--message", "My favourite colour is teal."]);
        Assert.True(code == 0, error);
        Assert.False(string.IsNullOrWhiteSpace(output));

        var listed = await cli.JsonAsync("list", "--user", "me", "--cube", "chat-me");
        Assert.Contains(listed.GetProperty("items").EnumerateArray(), i => i.GetProperty("text").GetString() == "My favourite colour is teal.");

        // The recall budget is an eighth of the model's 512-token window, counted by --tokenizer.
        var turn = await cli.JsonAsync(["chat", .. model, "--tokenizer", "cl100k", "--message", "What is my favourite colour?"]);
        Assert.StartsWith("cl100k_base", turn.GetProperty("tokenizer").GetString(), StringComparison.Ordinal);
        Assert.Equal("plain", turn.GetProperty("chatTemplate").GetString()); // a llama2.c checkpoint has no chat format
        Assert.True(turn.GetProperty("recalled").GetInt32() > 0);
        Assert.InRange(turn.GetProperty("recalledTokens").GetInt32(), 1, 512 / 8);
    }

    [Fact]
    public async Task On_chat_the_local_models_tokenizer_is_model_tokenizer_and_the_old_spelling_says_so()
    {
        using var cli = new CliRunner();
        var (code, _, error) = await cli.RunAsync("chat", "--local-model", RepoPaths.StoriesModel, "--tokenizer", RepoPaths.StoriesTokenizer, "--message", "hi");
        Assert.Equal(1, code);
        Assert.Contains("--model-tokenizer", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));

        (code, _, error) = await cli.RunAsync("chat", "--local-model", RepoPaths.StoriesModel, "--message", "hi");
        Assert.Equal(1, code);
        Assert.Contains("--model-tokenizer is needed", error, StringComparison.Ordinal);
    }
}
