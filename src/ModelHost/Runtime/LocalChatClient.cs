using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace AgentMem.ModelHost;

/// <summary>
/// <see cref="IChatClient"/> over a local <see cref="LlamaModel"/> and its tokenizer, decoding on the calling machine's CPU.
/// </summary>
/// <remarks>
/// <para>
/// Prompt template: the tiny llama2.c story models have no chat template, so the prompt is the messages' texts
/// (<see cref="ChatMessage.Text"/>, every role alike, empty ones skipped) joined with a single <c>"\n"</c>, encoded with BOS
/// exactly as <see cref="Generator.Generate(string, int, Sampler, CancellationToken)"/> encodes a prompt. A single message
/// therefore gives the same output as <see cref="Generator"/> on its text.
/// </para>
/// <para>
/// Options: <see cref="ChatOptions.MaxOutputTokens"/> (default 256, capped by the context), <see cref="ChatOptions.Temperature"/>
/// (default 1; 0 is greedy), <see cref="ChatOptions.TopP"/> (default 0.9), <see cref="ChatOptions.Seed"/> (default: derived from the
/// clock, as llama2.c; 0 is replaced by 1 because the generator needs a non-zero state). Generation stops when the tokenizer's
/// end-of-text token is sampled (<see cref="ITokenizer.IsEndOfText"/>: BOS for llama2.c, as run.c; EOS for Hugging Face) (finish reason <see cref="ChatFinishReason.Stop"/>) or after the token budget or context (<see cref="ChatFinishReason.Length"/>).
/// </para>
/// <para>
/// Streaming yields one update per generated token (text may be empty while a multi-byte UTF-8 character is incomplete; it is
/// completed by a later token's update), then one final update with no text carrying the finish reason and token usage.
/// Each call uses its own <see cref="KvCache"/>, so one client may serve concurrent calls.
/// </para>
/// </remarks>
public sealed class LocalChatClient : IChatClient
{
    /// <summary>Default number of new tokens when <see cref="ChatOptions.MaxOutputTokens"/> is not set.</summary>
    public const int DefaultMaxOutputTokens = 256;

    private readonly Generator generator;
    private readonly ChatClientMetadata metadata;

    /// <summary>Wraps <paramref name="model"/> and <paramref name="tokenizer"/>; <paramref name="modelId"/> names the model in responses.</summary>
    public LocalChatClient(LlamaModel model, ITokenizer tokenizer, string modelId = "llama2c")
    {
        generator = new Generator(model, tokenizer);
        ArgumentException.ThrowIfNullOrEmpty(modelId);
        metadata = new ChatClientMetadata("AgentMem.ModelHost", providerUri: null, defaultModelId: modelId);
    }

    /// <summary>Renders <paramref name="messages"/> with the template described on the class.</summary>
    public static string RenderPrompt(IEnumerable<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return string.Join("\n", messages.Select(m => m.Text).Where(t => !string.IsNullOrEmpty(t)));
    }

    /// <inheritdoc />
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        string prompt = RenderPrompt(messages);
        return Task.Run(
            () =>
            {
                var text = new StringBuilder();
                var run = new Run(this, prompt, options);
                while (run.Step(cancellationToken) is { } piece)
                {
                    text.Append(piece);
                }

                text.Append(run.Flush());
                return new ChatResponse(new ChatMessage(ChatRole.Assistant, text.ToString()))
                {
                    ModelId = metadata.DefaultModelId,
                    FinishReason = run.FinishReason,
                    Usage = run.Usage(),
                };
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        string prompt = RenderPrompt(messages);
        string responseId = Guid.NewGuid().ToString("N");
        var run = await Task.Run(() => new Run(this, prompt, options), cancellationToken).ConfigureAwait(false);
        while (true)
        {
            string? piece = await Task.Run(() => run.Step(cancellationToken), cancellationToken).ConfigureAwait(false);
            if (piece is null)
            {
                break;
            }

            yield return new ChatResponseUpdate(ChatRole.Assistant, piece) { ModelId = metadata.DefaultModelId, ResponseId = responseId, MessageId = responseId };
        }

        yield return new ChatResponseUpdate(ChatRole.Assistant, run.Flush())
        {
            ModelId = metadata.DefaultModelId,
            ResponseId = responseId,
            MessageId = responseId,
            FinishReason = run.FinishReason,
            Contents = { new UsageContent(run.Usage()) },
        };
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(ChatClientMetadata))
        {
            return metadata;
        }

        return serviceType.IsInstanceOfType(this) ? this
            : serviceType == typeof(LlamaModel) ? generator.Model
            : serviceType.IsInstanceOfType(generator.Tokenizer) ? generator.Tokenizer
            : null;
    }

    /// <summary>Nothing to release: the model is owned by the caller.</summary>
    public void Dispose()
    {
    }

    /// <summary>One generation: prefilled prompt, sampler, cache and an incremental UTF-8 decoder (same loop as <see cref="Generator.Continue"/>).</summary>
    private sealed class Run
    {
        private readonly Generator generator;
        private readonly KvCache cache;
        private readonly Sampler sampler;
        private readonly Decoder decoder = new UTF8Encoding(false).GetDecoder();
        private readonly int promptTokens;
        private readonly int end;
        private int token;
        private int pos;
        private int generated;
        private bool done;

        public Run(LocalChatClient owner, string prompt, ChatOptions? options)
        {
            generator = owner.generator;
            var model = generator.Model;
            int max = options?.MaxOutputTokens ?? DefaultMaxOutputTokens;
            float temperature = options?.Temperature ?? 1f;
            float topP = options?.TopP ?? 0.9f;
            ulong seed = options?.Seed is { } s ? (ulong)s : (ulong)DateTime.UtcNow.Ticks;
            ArgumentOutOfRangeException.ThrowIfNegative(max);
            sampler = new Sampler(model.Config.VocabSize, temperature, topP, seed == 0 ? 1 : seed);
            cache = model.CreateCache();
            int[] tokens = generator.Prefill(prompt, cache);
            promptTokens = tokens.Length;
            token = tokens[^1];
            pos = tokens.Length - 1;
            end = Math.Min(pos + max, model.Config.SeqLen);
        }

        public ChatFinishReason FinishReason { get; private set; } = ChatFinishReason.Length;

        /// <summary>Decodes one token and returns its text, or null when generation is over.</summary>
        public string? Step(CancellationToken cancellationToken)
        {
            if (done || pos >= end)
            {
                done = true;
                return null;
            }

            cancellationToken.ThrowIfCancellationRequested();
            int next = sampler.Sample(generator.Model.Forward(token, pos, cache));
            if (generator.Tokenizer.IsEndOfText(next))
            {
                FinishReason = ChatFinishReason.Stop;
                done = true;
                return null;
            }

            string text = Decode(generator.Tokenizer.DecodePiece(token, next), flush: false);
            generated++;
            token = next;
            pos++;
            return text;
        }

        public string Flush() => Decode([], flush: true);

        public UsageDetails Usage() => new() { InputTokenCount = promptTokens, OutputTokenCount = generated, TotalTokenCount = promptTokens + generated };

        private string Decode(ReadOnlySpan<byte> bytes, bool flush)
        {
            Span<char> chars = stackalloc char[decoder.GetCharCount(bytes, flush: false) + 4];
            int n = decoder.GetChars(bytes, chars, flush);
            return new string(chars[..n]);
        }
    }
}
