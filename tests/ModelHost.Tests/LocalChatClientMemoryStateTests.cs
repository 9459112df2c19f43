using Microsoft.Extensions.AI;

namespace AgentMem.ModelHost.Tests;

/// <summary><see cref="LocalChatClient"/> with activation (cartridge) and parametric (adapter) memory loaded, on stories260K.</summary>
public sealed class LocalChatClientMemoryStateTests
{
    private const string Memory = "Lily had a red ball.";

    private static ChatOptions Greedy(LocalMemoryState? state = null)
    {
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 40 };
        if (state is not null)
        {
            options.AdditionalProperties = new() { [LocalChatClient.MemoryStateKey] = state };
        }

        return options;
    }

    private static KvCartridge Cartridge(string text) => Stories.Generator.CreateCartridge(text, Stories.Model.CreateCache());

    [Fact]
    public async Task A_cartridge_is_loaded_before_the_prompt_instead_of_its_text_and_equals_resuming_it()
    {
        var cartridge = Cartridge(Memory);
        using var client = new LocalChatClient(Stories.Model, Stories.Tokenizer, "stories260K");
        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "One day")], Greedy(new LocalMemoryState([cartridge], [])));

        Assert.Equal(cartridge.Count, response.AdditionalProperties![LocalChatClient.PrefixTokensKey]);
        Assert.Equal("One day", response.AdditionalProperties[LocalChatClient.PromptKey]);
        Assert.Empty((string[])response.AdditionalProperties[LocalChatClient.AdapterIdsKey]!);
        Assert.Equal("plain", response.AdditionalProperties[LocalChatClient.TemplateKey]);

        // The prompt follows the cartridge without BOS as a new text (a new word: the dummy-prefix space), exactly as
        // Generator.Resume continues a cartridge with the prompt after a space.
        var expected = Stories.Generator.Resume(cartridge, " One day", 40, new Sampler(512, 0f), Stories.Model.CreateCache());
        Assert.Equal(expected.Text, response.Text);
        Assert.Equal(Stories.Tokenizer.EncodeToIds("One day", bos: false).Length, response.Usage!.InputTokenCount);
    }

    [Fact]
    public async Task Without_memory_the_report_shows_an_empty_prefix_and_the_output_is_unchanged()
    {
        using var client = new LocalChatClient(Stories.Model, Stories.Tokenizer);
        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Once upon a time")], Greedy());
        Assert.Equal(0, response.AdditionalProperties![LocalChatClient.PrefixTokensKey]);
        Assert.Equal(Stories.Generator.Generate("Once upon a time", 40, new Sampler(512, 0f)).Text, response.Text);
    }

    // A rank-2 adapter on Q and V whose weights (a phase apart for another adapter) change stories260K's greedy reply.
    private static LoraAdapter Adapter(int phase = 0)
    {
        var adapter = LoraAdapter.Create(Stories.Model, 2, 4f, [LoraTarget.Q, LoraTarget.V]);
        for (int l = 0; l < adapter.Layers; l++)
        {
            var a = Enumerable.Range(0, 2 * adapter.Dim).Select(i => MathF.Sin(i + l + phase) * 0.5f).ToArray();
            adapter.SetWeights(LoraTarget.Q, l, a, Enumerable.Range(0, adapter.Dim * 2).Select(i => MathF.Cos(i + phase) * 0.5f).ToArray());
            adapter.SetWeights(LoraTarget.V, l, a, Enumerable.Range(0, adapter.KvDim * 2).Select(i => MathF.Cos((i * 3) + phase) * 0.5f).ToArray());
        }

        return adapter;
    }

    private static string[] AdapterIds(ChatResponse response) => (string[])response.AdditionalProperties![LocalChatClient.AdapterIdsKey]!;

    private static string Id(LoraAdapter adapter) => Convert.ToHexStringLower(adapter.ComputeId());

    [Fact]
    public async Task Adapters_are_attached_for_the_request_and_reported_by_id()
    {
        var adapter = Adapter();
        using var client = new LocalChatClient(Stories.Model, Stories.Tokenizer);
        ChatMessage[] prompt = [new(ChatRole.User, "Once upon a time")];
        var session = client.WithMemoryState(new LocalMemoryState([], [adapter]));
        var adapted = await session.GetResponseAsync(prompt, Greedy());

        Assert.Equal([Id(adapter)], AdapterIds(adapted));
        var expected = new Generator(Stories.Model.WithAdapters(adapter), Stories.Tokenizer).Generate("Once upon a time", 40, new Sampler(512, 0f));
        Assert.Equal(expected.Text, adapted.Text);

        // The base client is untouched, and a request's own state replaces the session's.
        var plain = await session.GetResponseAsync(prompt, Greedy(LocalMemoryState.Empty));
        Assert.Empty((string[])plain.AdditionalProperties![LocalChatClient.AdapterIdsKey]!);
        Assert.Equal(Stories.Generator.Generate("Once upon a time", 40, new Sampler(512, 0f)).Text, plain.Text);
        Assert.True(client.MemoryState.IsEmpty);
    }

    [Fact]
    public async Task A_client_over_an_adapted_model_keeps_its_adapters_under_a_requests_own_and_reports_them_all()
    {
        // The client's own adapter was replaced by the request's (WithAdapters replaces a view's adapters), and the report
        // listed only the state's: an adapted client without a state reported no adapter at all.
        LoraAdapter persona = Adapter(), memory = Adapter(phase: 5);
        using var plain = new LocalChatClient(Stories.Model, Stories.Tokenizer);
        using var adapted = new LocalChatClient(Stories.Model.WithAdapters(persona), Stories.Tokenizer);
        ChatMessage[] prompt = [new(ChatRole.User, "Once upon a time")];

        var alone = await adapted.GetResponseAsync(prompt, Greedy());
        Assert.Equal([Id(persona)], AdapterIds(alone));
        Assert.Equal((await plain.GetResponseAsync(prompt, Greedy(new LocalMemoryState([], [persona])))).Text, alone.Text);

        var both = await adapted.GetResponseAsync(prompt, Greedy(new LocalMemoryState([], [memory])));
        var expected = await plain.GetResponseAsync(prompt, Greedy(new LocalMemoryState([], [persona, memory])));
        Assert.Equal([Id(persona), Id(memory)], AdapterIds(both));
        Assert.Equal(expected.Text, both.Text);
        Assert.NotEqual((await plain.GetResponseAsync(prompt, Greedy(new LocalMemoryState([], [memory])))).Text, both.Text);

        // A session over the adapted client stacks the same way.
        var session = await adapted.WithMemoryState(new LocalMemoryState([], [memory])).GetResponseAsync(prompt, Greedy());
        Assert.Equal(expected.Text, session.Text);
        Assert.Equal([Id(persona), Id(memory)], AdapterIds(session));
    }

    [Fact]
    public async Task Cartridges_that_together_exceed_the_context_are_an_argument_error_naming_the_context_and_the_entries()
    {
        // Composed past the context, they failed at each request with a ModelFormatException about the cartridge's "shape".
        string text = string.Join(" ", Stories.Lily, Stories.Ball, Stories.Night, Stories.Tom);
        KvCartridge first = Cartridge(text), second = Cartridge(Stories.Tom + " " + text);
        int total = first.Count + second.Count;
        Assert.True(total > Stories.Model.Config.SeqLen && second.Count <= Stories.Model.Config.SeqLen, $"{first.Count} + {second.Count}");
        using var client = new LocalChatClient(Stories.Model, Stories.Tokenizer);
        var state = new LocalMemoryState([first, second], []);

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "One day")], Greedy(state)));
        Assert.Contains($"{total} entries", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"context of {Stories.Model.Config.SeqLen}", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(async () =>
        {
            await foreach (var update in client.WithMemoryState(state).GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "One day")], Greedy()))
            {
                Assert.Fail($"no update expected: {update.Text}");
            }
        });
    }

    [Fact]
    public async Task A_reply_after_a_cartridge_near_the_end_of_the_context_stops_at_its_end_and_one_past_it_is_refused()
    {
        // The reply's end was counted in cache slots: after a cartridge whose positions run past its entry count (moved,
        // or compressed) it ran on to positions the model has none for.
        int seqLen = Stories.Model.Config.SeqLen;
        var cartridge = Cartridge(Memory);
        var near = cartridge.Rebase(seqLen - 10 - cartridge.NextPosition);
        using var client = new LocalChatClient(Stories.Model, Stories.Tokenizer);
        var options = new ChatOptions { Temperature = 0, AdditionalProperties = new() { [LocalChatClient.MemoryStateKey] = new LocalMemoryState([near], []) } };
        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "One day")], options);
        long prompt = response.Usage!.InputTokenCount!.Value;
        Assert.True(response.Usage.OutputTokenCount <= 10 - prompt + 1, $"{response.Usage.OutputTokenCount} tokens after a prompt of {prompt}");

        options.AdditionalProperties[LocalChatClient.MemoryStateKey] = new LocalMemoryState([cartridge.Rebase(seqLen)], []);
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "One day")], options));
        Assert.Contains($"context of {seqLen}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Streaming_reports_the_loaded_state_on_the_final_update()
    {
        var cartridge = Cartridge(Memory);
        using var client = new LocalChatClient(Stories.Model, Stories.Tokenizer).WithMemoryState(new LocalMemoryState([cartridge], []));
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "One day")], Greedy()))
        {
            updates.Add(update);
        }

        Assert.Equal(cartridge.Count, updates[^1].AdditionalProperties![LocalChatClient.PrefixTokensKey]);
        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "One day")], Greedy());
        Assert.Equal(response.Text, string.Concat(updates.Select(u => u.Text)));
    }

    [Fact]
    public async Task A_ChatML_client_renders_with_its_template_and_reports_it()
    {
        using var client = new LocalChatClient(Stories.Model, Stories.Tokenizer, ChatTemplate.ChatML, "stories260K");
        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], Greedy());
        Assert.Equal("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", response.AdditionalProperties![LocalChatClient.PromptKey]);
        Assert.Equal("chatml", response.AdditionalProperties[LocalChatClient.TemplateKey]);
    }
}
