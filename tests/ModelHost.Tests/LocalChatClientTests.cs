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
    public async Task No_limit_on_output_tokens_means_up_to_the_end_of_the_context()
    {
        // int.MaxValue ("no limit") overflowed slot + max: an empty reply. Generator allocated for int.MaxValue steps.
        using var client = new LocalChatClient(Model.Value, Tokenizer.Value, "stories260K");
        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Once upon a time")], new ChatOptions { Temperature = 0, MaxOutputTokens = int.MaxValue });
        var generator = new Generator(Model.Value, Tokenizer.Value);
        var expected = generator.Generate("Once upon a time", Model.Value.Config.SeqLen, new Sampler(512, 0f));
        Assert.Equal(expected.Text, generator.Generate("Once upon a time", int.MaxValue, new Sampler(512, 0f)).Text);
        Assert.Equal(expected.Text, response.Text);
        Assert.NotEmpty(response.Text);
    }

    [Fact]
    public async Task A_stop_sequence_ends_the_reply_before_it_even_when_split_across_tokens()
    {
        using var client = new LocalChatClient(Model.Value, Tokenizer.Value, "stories260K");
        ChatMessage[] messages = [new(ChatRole.User, "Once upon a time")];
        string full = (await client.GetResponseAsync(messages, new ChatOptions { Temperature = 0, MaxOutputTokens = 80 })).Text;
        string stop = full.Substring(12, 7); // more than one token of this 512-token vocabulary: the match spans pieces
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 80, StopSequences = ["never in this story", stop] };

        var response = await client.GetResponseAsync(messages, options);
        Assert.Equal(full[..full.IndexOf(stop, StringComparison.Ordinal)], response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);

        var streamed = new System.Text.StringBuilder();
        ChatFinishReason? finish = null;
        await foreach (var update in client.GetStreamingResponseAsync(messages, options))
        {
            streamed.Append(update.Text);
            finish = update.FinishReason ?? finish;
        }

        Assert.Equal(response.Text, streamed.ToString());
        Assert.Equal(ChatFinishReason.Stop, finish);
    }

    [Fact]
    public async Task A_cancelled_request_stops_in_the_prompts_prefill()
    {
        // The request is cancelled while its prompt is being encoded: the prefill that follows must stop, not run to its end.
        using var cancel = new CancellationTokenSource();
        using var client = new LocalChatClient(Model.Value, new CancellingTokenizer(Tokenizer.Value, cancel), "stories260K");
        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "Once upon a time there was a girl")], new ChatOptions { Temperature = 0 }, cancel.Token));
        Assert.Contains("PrefillAt", ex.StackTrace, StringComparison.Ordinal);
    }

    // Cancels its source when asked to encode, as a caller would while a long prompt is read.
    private sealed class CancellingTokenizer(ITokenizer inner, CancellationTokenSource cancel) : ITokenizer
    {
        public int VocabSize => inner.VocabSize;

        public int BosId => inner.BosId;

        public int EosId => inner.EosId;

        public int[] EncodeToIds(string text, bool bos)
        {
            cancel.Cancel();
            return inner.EncodeToIds(text, bos);
        }

        public string Decode(IReadOnlyList<int> ids) => inner.Decode(ids);

        public int CountTokens(string text) => inner.CountTokens(text);

        public ReadOnlySpan<byte> DecodePiece(int previous, int token) => inner.DecodePiece(previous, token);

        public bool IsEndOfText(int token) => inner.IsEndOfText(token);
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
    public async Task Top_p_0_keeps_only_the_most_likely_token()
    {
        // llama2.c's "top-p 0 = no nucleus" leaked through: an OpenAI-style TopP = 0 (the narrowest nucleus) sampled from the
        // whole distribution, the most random setting, while TopP = 0.01 was near greedy.
        using var client = new LocalChatClient(Model.Value, Tokenizer.Value, "stories260K");
        ChatMessage[] messages = [new(ChatRole.User, "Once upon a time")];
        string greedy = (await client.GetResponseAsync(messages, new ChatOptions { Temperature = 0, MaxOutputTokens = 60 })).Text;
        for (long seed = 1; seed <= 3; seed++)
        {
            var response = await client.GetResponseAsync(messages, new ChatOptions { Temperature = 1.5f, TopP = 0, Seed = seed, MaxOutputTokens = 60 });
            Assert.Equal(greedy, response.Text);
        }
    }

    [Fact]
    public async Task Top_k_is_honoured_and_top_k_1_is_greedy()
    {
        // TopK was ignored: TopK = 1, which callers set for a deterministic reply, sampled a different story per seed.
        using var client = new LocalChatClient(Model.Value, Tokenizer.Value, "stories260K");
        ChatMessage[] messages = [new(ChatRole.User, "Once upon a time")];
        string greedy = (await client.GetResponseAsync(messages, new ChatOptions { Temperature = 0, MaxOutputTokens = 40 })).Text;
        for (long seed = 1; seed <= 3; seed++)
        {
            var response = await client.GetResponseAsync(messages, new ChatOptions { Temperature = 1.5f, TopK = 1, Seed = seed, MaxOutputTokens = 40 });
            Assert.Equal(greedy, response.Text);
        }

        // Any k samples as Sampler does with that k.
        var sampled = await client.GetResponseAsync(messages, new ChatOptions { Temperature = 0.9f, TopP = 0.95f, TopK = 5, Seed = 11, MaxOutputTokens = 40 });
        var expected = new Generator(Model.Value, Tokenizer.Value).Generate("Once upon a time", 40, new Sampler(512, 0.9f, 0.95f, 11, topK: 5));
        Assert.Equal(expected.Text, sampled.Text);
    }

    [Theory]
    [InlineData(-1, null, "MaxOutputTokens")]
    [InlineData(null, -1, "TopK")]
    public async Task An_option_out_of_range_is_refused_naming_the_option(int? maxOutputTokens, int? topK, string option)
    {
        // MaxOutputTokens = -1 was refused as "max ('-1') must be a non-negative value", naming a local variable.
        using var client = new LocalChatClient(Model.Value, Tokenizer.Value, "stories260K");
        var options = new ChatOptions { MaxOutputTokens = maxOutputTokens, TopK = topK };
        var ex = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], options));
        Assert.Equal(option, ex.ParamName);
    }

    [Theory]
    [InlineData(-1f, null, "Temperature")]
    [InlineData(float.PositiveInfinity, null, "Temperature")]
    [InlineData(float.NaN, null, "Temperature")]
    [InlineData(-1f, 0f, "Temperature")]
    [InlineData(null, float.NaN, "TopP")]
    public async Task A_sampling_option_that_is_no_usable_number_is_refused_naming_the_option(float? temperature, float? topP, string option)
    {
        // Refused by Sampler, they named its parameters 'temperature' and 'topP', which ChatOptions does not have (and a negative
        // temperature passed unseen when TopP was 0, since that makes the reply greedy).
        using var client = new LocalChatClient(Model.Value, Tokenizer.Value, "stories260K");
        var options = new ChatOptions { Temperature = temperature, TopP = topP, MaxOutputTokens = 4 };
        var ex = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], options));
        Assert.Equal(option, ex.ParamName);
        Assert.Contains($"ChatOptions.{option}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_prompt_past_the_context_is_refused_naming_the_messages()
    {
        // The parameter named was 'prompt', which neither GetResponseAsync nor GetStreamingResponseAsync has.
        using var client = new LocalChatClient(Model.Value, Tokenizer.Value, "stories260K");
        ChatMessage[] messages = [new ChatMessage(ChatRole.User, string.Join(" ", Enumerable.Repeat(Stories.Tom, 12)))];
        Assert.True(client.CountPromptTokens(messages) > Model.Value.Config.SeqLen);
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync(messages));
        Assert.Equal("messages", ex.ParamName);
        Assert.Contains($"context of {Model.Value.Config.SeqLen}", ex.Message, StringComparison.Ordinal);
        var streamed = await Assert.ThrowsAsync<ArgumentException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync(messages))
            {
                Assert.Fail($"no update expected: {update.Text}");
            }
        });
        Assert.Equal("messages", streamed.ParamName);
    }

    [Fact]
    public async Task Options_this_client_cannot_act_on_are_ignored_as_documented_not_refused()
    {
        // MemoryAgent hands its memory tools through FunctionInvokingChatClient, and StructuredPrompt asks for a JSON schema:
        // a local model can do neither, and answers as it would without them (as other clients that lack a feature do).
        using var client = new LocalChatClient(Model.Value, Tokenizer.Value, "stories260K");
        ChatMessage[] messages = [new(ChatRole.User, "Once upon a time")];
        string plain = (await client.GetResponseAsync(messages, new ChatOptions { Temperature = 0, MaxOutputTokens = 20 })).Text;
        var options = new ChatOptions
        {
            Temperature = 0,
            MaxOutputTokens = 20,
            Tools = [AIFunctionFactory.Create(() => "sunny", "weather")],
            ResponseFormat = ChatResponseFormat.Json,
            FrequencyPenalty = 1,
            PresencePenalty = 1,
        };
        Assert.Equal(plain, (await client.GetResponseAsync(messages, options)).Text);
    }

    [Fact]
    public async Task Streaming_yields_one_update_per_token_even_while_text_is_held_back_for_a_stop_sequence()
    {
        // A stop sequence that never occurs holds back up to its length less one character: those tokens' updates have
        // empty text, and the held text comes with the final update.
        using var client = new LocalChatClient(Model.Value, Tokenizer.Value, "stories260K");
        ChatMessage[] messages = [new(ChatRole.User, "Once upon a time")];
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 60, StopSequences = ["zzzzzzzzzzzzzzzzzzzzzzzz"] };
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(messages, options))
        {
            updates.Add(update);
        }

        long tokens = updates[^1].Contents.OfType<UsageContent>().Single().Details.OutputTokenCount!.Value;
        Assert.True(tokens > 1);
        Assert.Equal(tokens + 1, updates.Count);
        Assert.Contains(updates.SkipLast(1), u => u.Text.Length == 0);
        Assert.Equal((await client.GetResponseAsync(messages, options)).Text, string.Concat(updates.Select(u => u.Text)));
    }

    [Fact]
    public async Task Instructions_are_rendered_as_a_leading_system_message()
    {
        // ChatOptions.Instructions were dropped: the model never saw them. The OpenAI adapter sends them as a system message
        // before the conversation; so does this client, for the full reply and the streamed one alike.
        using var client = new LocalChatClient(Model.Value, Tokenizer.Value, ChatTemplate.ChatML, "stories260K");
        ChatMessage[] messages = [new(ChatRole.User, "Hi")];
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 4, Instructions = "Answer in French." };
        const string Expected = "<|im_start|>system\nAnswer in French.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n";

        var response = await client.GetResponseAsync(messages, options);
        Assert.Equal(Expected, response.AdditionalProperties![LocalChatClient.PromptKey]);

        ChatResponseUpdate? last = null;
        await foreach (var update in client.GetStreamingResponseAsync(messages, options))
        {
            last = update;
        }

        Assert.Equal(Expected, last!.AdditionalProperties![LocalChatClient.PromptKey]);
    }

    // stories260K with a classifier of its own whose row for token `id` is 1.5 times that of " little": greedy samples `id`
    // where the model would write " little" (its embeddings, and so everything before, are unchanged).
    private static LlamaModel Boosted(int id)
    {
        var checkpoint = Llama2cCheckpoint.Load(RepoPaths.StoriesModel);
        int little = Assert.Single(Tokenizer.Value.EncodeToIds("little", bos: false));
        int dim = checkpoint.Config.Dim;
        float[] classifier = (float[])checkpoint.Weights.Classifier.Clone();
        System.Numerics.Tensors.TensorPrimitives.Multiply(classifier.AsSpan(little * dim, dim), 1.5f, classifier.AsSpan(id * dim, dim));
        return new LlamaModel(checkpoint.Config with { SharedClassifier = false }, checkpoint.Weights with { Classifier = classifier });
    }

    [Fact]
    public async Task A_sampled_EOS_ends_the_reply_and_control_tokens_never_print_as_text()
    {
        // llama2.c's tokenizer prints EOS as "\n</s>\n" and UNK as "<unk>" (run.c's generate mode, which Generator keeps): the
        // reply held them as text and went on after EOS, where run.c's chat mode ends the assistant's turn.
        ChatMessage[] messages = [new(ChatRole.User, "Once upon a time")];
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 40 };
        var endsEarly = Boosted(SentencePieceBpeTokenizer.Eos);
        string generated = new Generator(endsEarly, Tokenizer.Value).Generate("Once upon a time", 40, new Sampler(512, 0f)).Text;
        int eos = generated.IndexOf("\n</s>\n", StringComparison.Ordinal);
        Assert.True(eos > 0, generated);

        using var client = new LocalChatClient(endsEarly, Tokenizer.Value);
        var response = await client.GetResponseAsync(messages, options);
        Assert.Equal(generated[..eos], response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        var streamed = new System.Text.StringBuilder();
        ChatFinishReason? finish = null;
        await foreach (var update in client.GetStreamingResponseAsync(messages, options))
        {
            streamed.Append(update.Text);
            finish = update.FinishReason ?? finish;
        }

        Assert.Equal(response.Text, streamed.ToString());
        Assert.Equal(ChatFinishReason.Stop, finish);

        // UNK does not end a turn: the reply goes on, without its piece.
        var unknown = Boosted(0);
        string withUnk = new Generator(unknown, Tokenizer.Value).Generate("Once upon a time", 40, new Sampler(512, 0f)).Text;
        Assert.Contains("<unk>", withUnk, StringComparison.Ordinal);
        using var unkClient = new LocalChatClient(unknown, Tokenizer.Value);
        var reply = await unkClient.GetResponseAsync(messages, options);
        Assert.Equal(withUnk.Replace("<unk>", string.Empty, StringComparison.Ordinal), reply.Text);
        Assert.Equal(ChatFinishReason.Length, reply.FinishReason);
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
