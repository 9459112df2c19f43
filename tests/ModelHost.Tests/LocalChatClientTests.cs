using Microsoft.Extensions.AI;

namespace AgentMem.ModelHost.Tests;

/// <summary><see cref="LocalChatClient"/> on stories260K against <see cref="Generator"/>.</summary>
public sealed class LocalChatClientTests
{
    private static readonly Lazy<LlamaModel> Model = new(() => LlamaModel.Load(RepoPaths.StoriesModel));
    private static readonly Lazy<SentencePieceBpeTokenizer> Tokenizer = new(() => SentencePieceBpeTokenizer.Load(RepoPaths.StoriesTokenizer, 512));

    [Fact]
    public async Task Greedy_response_equals_Generator_for_the_same_prompt()
    {
        using var client = new LocalChatClient(Model.Value, Tokenizer.Value, "stories260K");
        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Once upon a time")], new ChatOptions { Temperature = 0, MaxOutputTokens = 80 });
        var expected = new Generator(Model.Value, Tokenizer.Value).Generate("Once upon a time", 80, new Sampler(512, 0f));
        Assert.Equal(expected.Text, response.Text);
        Assert.Equal(ChatRole.Assistant, response.Messages.Single().Role);
        Assert.Equal(expected.Tokens.Count, response.Usage!.OutputTokenCount);
        Assert.Equal(expected.PromptTokens.Count, response.Usage.InputTokenCount);
        Assert.Equal(expected.StoppedAtBos ? ChatFinishReason.Stop : ChatFinishReason.Length, response.FinishReason);
        Assert.Equal("stories260K", response.ModelId);
    }

    [Fact]
    public async Task Seeded_sampling_equals_Generator_and_streaming_concatenation_equals_response()
    {
        using var client = new LocalChatClient(Model.Value, Tokenizer.Value);
        var options = new ChatOptions { Temperature = 0.9f, TopP = 0.9f, Seed = 1234, MaxOutputTokens = 120 };
        ChatMessage[] messages = [new(ChatRole.System, "Lily had a red ball."), new(ChatRole.User, "One day")];
        var response = await client.GetResponseAsync(messages, options);
        var expected = new Generator(Model.Value, Tokenizer.Value).Generate("Lily had a red ball.\nOne day", 120, new Sampler(512, 0.9f, 0.9f, 1234));
        Assert.Equal(expected.Text, response.Text);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(messages, options))
        {
            updates.Add(update);
        }

        Assert.Equal(response.Text, string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(expected.Tokens.Count + 1, updates.Count);
        Assert.Equal(response.FinishReason, updates[^1].FinishReason);
        Assert.Equal(expected.Tokens.Count, updates[^1].Contents.OfType<UsageContent>().Single().Details.OutputTokenCount);
    }

    [Fact]
    public void Metadata_and_services()
    {
        using var client = new LocalChatClient(Model.Value, Tokenizer.Value, "stories260K");
        var metadata = Assert.IsType<ChatClientMetadata>(client.GetService(typeof(ChatClientMetadata)));
        Assert.Equal("stories260K", metadata.DefaultModelId);
        Assert.Equal("AgentMem.ModelHost", metadata.ProviderName);
        Assert.Same(client, client.GetService(typeof(IChatClient)));
        Assert.Same(Model.Value, client.GetService(typeof(LlamaModel)));
        Assert.Null(client.GetService(typeof(ChatClientMetadata), "key"));
        Assert.Null(client.GetService(typeof(string)));
    }
}
