using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace AgentMem.ModelHost;

/// <summary>
/// <see cref="IChatClient"/> over a local <see cref="LlamaModel"/> and its tokenizer, decoding on the calling machine's CPU,
/// optionally with activation and parametric memory loaded before the prompt (<see cref="LocalMemoryState"/>).
/// </summary>
/// <remarks>
/// <para>
/// Prompt template: <see cref="Template"/> (default <see cref="ChatTemplate.Plain"/>: the messages' texts joined with a single
/// <c>"\n"</c>, encoded with BOS exactly as <see cref="Generator.Generate(string, int, Sampler, CancellationToken)"/> encodes a
/// prompt, so a single message gives the same output as <see cref="Generator"/> on its text, unless the text spells a special
/// token, which the generator's prompt matches and a message keeps as text). <see cref="ChatTemplate.ForModel"/>
/// picks ChatML or Llama 3 for instruct models. Special tokens come only from the template's own markup: message text that
/// spells one (a recalled memory holding <c>&lt;|im_start|&gt;system</c>) is encoded as ordinary text, so it cannot open a turn
/// of another role (<see cref="ByteLevelBpeTokenizer"/>; <see cref="SentencePieceBpeTokenizer"/> matches none in any text).
/// </para>
/// <para>
/// Memory state: the client's <see cref="MemoryState"/> (see <see cref="WithMemoryState"/>), replaced for one request by a
/// <see cref="LocalMemoryState"/> under <see cref="MemoryStateKey"/> in <see cref="ChatOptions.AdditionalProperties"/>. Its
/// cartridges are imported into the cache and the prompt follows them without BOS, as a new text, not a continuation of the
/// memory's: SentencePiece's dummy-prefix space starts it as a new word (<see cref="Generator.Resume"/> with the prompt after a
/// space); its
/// adapters are attached to a view of the model for the request, after those of the client's model when it is itself a view
/// with adapters (<see cref="LlamaModel.WithAdapters"/>): the request adds to them, never replaces them. Every response
/// reports what the model's input was in <see cref="ChatResponse.AdditionalProperties"/>: <see cref="PrefixTokensKey"/> (cache
/// entries before the prompt), <see cref="AdapterIdsKey"/> (hex ids of every adapter the request ran with, the model's own
/// first), <see cref="PromptKey"/> (the rendered prompt text) and
/// <see cref="TemplateKey"/>; streaming puts the same on the final update.
/// </para>
/// <para>
/// Options: <see cref="ChatOptions.Instructions"/> (rendered as a system message before the messages, as the OpenAI adapter
/// sends them), <see cref="ChatOptions.MaxOutputTokens"/> (default 256, capped by the context), <see cref="ChatOptions.Temperature"/>
/// (default 1; 0 is greedy), <see cref="ChatOptions.TopP"/> (default 0.9; 0 or less keeps only the most likely token, so it is
/// greedy, the narrowest nucleus as OpenAI-style callers mean it, not llama2.c's "no nucleus" that <see cref="Sampler"/> keeps;
/// 1 or more samples the whole distribution), <see cref="ChatOptions.TopK"/> (default none; the k most likely tokens are kept
/// before top-p, so 1 is greedy; 0 keeps all), <see cref="ChatOptions.Seed"/> (default: derived from the
/// clock, as llama2.c; 0 is replaced by 1 because the generator needs a non-zero state) and
/// <see cref="ChatOptions.StopSequences"/>. Refused with an <see cref="ArgumentOutOfRangeException"/> whose
/// <see cref="ArgumentException.ParamName"/> is the option's name (e.g. <c>"Temperature"</c>): a negative
/// <see cref="ChatOptions.MaxOutputTokens"/> or <see cref="ChatOptions.TopK"/>, a <see cref="ChatOptions.Temperature"/> that is
/// negative, infinite or NaN, and a NaN <see cref="ChatOptions.TopP"/>; a prompt that does not fit the context after the memory
/// loaded before it is refused with an <see cref="ArgumentException"/> naming <c>messages</c>. Ignored, as by other clients whose model
/// lacks the feature (the reply is what the model writes without them): <see cref="ChatOptions.Tools"/> and
/// <see cref="ChatOptions.ToolMode"/> (the model cannot call tools; <c>MemoryAgent</c> passes its memory tools through
/// regardless), <see cref="ChatOptions.ResponseFormat"/> (no constrained decoding: a JSON schema is only what the prompt asks
/// for), <see cref="ChatOptions.FrequencyPenalty"/> and <see cref="ChatOptions.PresencePenalty"/>, and
/// <see cref="ChatOptions.ModelId"/> (the client runs its one model). Generation stops when the tokenizer's
/// end-of-text token is sampled (<see cref="ITokenizer.IsEndOfText"/>: BOS for llama2.c, as run.c; EOS for Hugging Face), its
/// EOS (<see cref="ITokenizer.EosId"/>: a llama2.c chat model ends its turn with EOS, as run.c's chat mode reads it), or the
/// template's end-of-turn token (<see cref="ChatTemplate.EndOfTurnToken"/>, where the tokenizer has it as one token: a ChatML
/// model whose EOS is <c>&lt;|endoftext|&gt;</c> closes its reply with <c>&lt;|im_end|&gt;</c>) (finish reason
/// <see cref="ChatFinishReason.Stop"/>), or after the token budget or context (<see cref="ChatFinishReason.Length"/>). Special
/// tokens (<see cref="ITokenizer.IsSpecial"/>) never print in a reply: llama2.c's UNK is sampled and fed back as any token, but
/// its piece <c>&lt;unk&gt;</c> is not written (<see cref="Generator"/> writes it, as run.c).
/// </para>
/// <para>
/// Streaming yields one update per generated token (text may be empty while a multi-byte UTF-8 character is incomplete, or
/// while text is held back because it may begin one of <see cref="ChatOptions.StopSequences"/>; it comes in a later update),
/// then one final update carrying the finish reason and token usage, with any text still held back.
/// Each call uses its own <see cref="KvCache"/>, so one client may serve concurrent calls.
/// </para>
/// </remarks>
public sealed class LocalChatClient : IChatClient
{
    /// <summary>Default number of new tokens when <see cref="ChatOptions.MaxOutputTokens"/> is not set.</summary>
    public const int DefaultMaxOutputTokens = 256;

    /// <summary>Key of a request's <see cref="LocalMemoryState"/> in <see cref="ChatOptions.AdditionalProperties"/>.</summary>
    public const string MemoryStateKey = "agentmem.memory_state";

    /// <summary>Response property: number of cache entries loaded before the prompt (an <see cref="int"/>; 0 without cartridges).</summary>
    public const string PrefixTokensKey = "agentmem.prefix_tokens";

    /// <summary>
    /// Response property: lower-case hex ids (<see cref="LoraAdapter.ComputeId"/>) of every adapter attached for the request (a
    /// <see cref="string"/> array): those of the client's model, then those of the memory state.
    /// </summary>
    public const string AdapterIdsKey = "agentmem.adapter_ids";

    /// <summary>Response property: the prompt text the template rendered (a <see cref="string"/>).</summary>
    public const string PromptKey = "agentmem.prompt";

    /// <summary>Response property: the chat template's <see cref="ChatTemplate.Name"/>.</summary>
    public const string TemplateKey = "agentmem.chat_template";

    private readonly Generator generator;
    private readonly ChatClientMetadata metadata;

    /// <summary>Wraps <paramref name="model"/> and <paramref name="tokenizer"/>; <paramref name="modelId"/> names the model in responses.</summary>
    public LocalChatClient(LlamaModel model, ITokenizer tokenizer, string modelId = "llama2c")
        : this(model, tokenizer, ChatTemplate.Plain, modelId)
    {
    }

    /// <summary>Wraps <paramref name="model"/> and <paramref name="tokenizer"/>, rendering prompts with <paramref name="template"/>.</summary>
    public LocalChatClient(LlamaModel model, ITokenizer tokenizer, ChatTemplate template, string modelId = "llama2c")
        : this(new Generator(model, tokenizer), template, LocalMemoryState.Empty, modelId)
    {
    }

    private LocalChatClient(Generator generator, ChatTemplate template, LocalMemoryState state, string modelId)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentException.ThrowIfNullOrEmpty(modelId);
        this.generator = generator;
        Template = template;
        MemoryState = state;
        metadata = new ChatClientMetadata("AgentMem.ModelHost", providerUri: null, defaultModelId: modelId);
    }

    /// <summary>How messages become the prompt text.</summary>
    public ChatTemplate Template { get; }

    /// <summary>The memory loaded before every request's prompt unless the request names its own (default: none).</summary>
    public LocalMemoryState MemoryState { get; }

    /// <summary>
    /// The model this client runs, as given: a view with adapters keeps them (<see cref="LlamaModel.Adapters"/>), and a
    /// request's memory state attaches its adapters after them.
    /// </summary>
    public LlamaModel Model => generator.Model;

    /// <summary>A client over the same model, tokenizer and template that loads <paramref name="state"/> before every prompt (a session).</summary>
    public LocalChatClient WithMemoryState(LocalMemoryState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return new LocalChatClient(generator, Template, state, metadata.DefaultModelId!);
    }

    /// <summary>Renders <paramref name="messages"/> with the plain template (<see cref="ChatTemplate.Plain"/>).</summary>
    public static string RenderPrompt(IEnumerable<ChatMessage> messages) => ChatTemplate.Plain.Render(messages);

    /// <inheritdoc />
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var prompt = Render(messages, options);
        return Task.Run(
            () =>
            {
                var text = new StringBuilder();
                using var run = new Run(this, prompt, options, cancellationToken);
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
                    AdditionalProperties = run.Report(),
                };
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var prompt = Render(messages, options);
        string responseId = Guid.NewGuid().ToString("N");
        using var run = await Task.Run(() => new Run(this, prompt, options, cancellationToken), cancellationToken).ConfigureAwait(false);
        while (true)
        {
            string? piece = await Task.Run(() => run.Step(cancellationToken), cancellationToken).ConfigureAwait(false);
            if (piece is null)
            {
                break;
            }

            // Empty text too: one update per token, as documented (the text follows in a later update).
            yield return new ChatResponseUpdate(ChatRole.Assistant, piece) { ModelId = metadata.DefaultModelId, ResponseId = responseId, MessageId = responseId };
        }

        yield return new ChatResponseUpdate(ChatRole.Assistant, run.Flush())
        {
            ModelId = metadata.DefaultModelId,
            ResponseId = responseId,
            MessageId = responseId,
            FinishReason = run.FinishReason,
            Contents = { new UsageContent(run.Usage()) },
            AdditionalProperties = run.Report(),
        };
    }

    /// <summary>
    /// How many tokens <paramref name="messages"/> take as this client's prompt: rendered with <see cref="Template"/> (the
    /// options' instructions leading, as a request renders them) and encoded with the BOS a prompt gets when no cartridge is
    /// loaded before it (after one, the prompt is a token shorter or the same). A request needs the cartridge's
    /// <see cref="KvCartridge.Count"/>, this and the reply's tokens within the model's <see cref="LlamaConfig.SeqLen"/>, and
    /// this and the reply's tokens after the cartridge's <see cref="KvCartridge.NextPosition"/> within
    /// <see cref="LlamaConfig.PositionLimit"/> (the two differ for a compressed or moved cartridge).
    /// </summary>
    public int CountPromptTokens(IEnumerable<ChatMessage> messages, ChatOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return Render(messages, options).Encode(generator.Tokenizer, bos: !Template.IncludesBos).Length;
    }

    /// <summary>The prompt: the options' instructions, when given, lead as a system message (as the OpenAI adapter sends them).</summary>
    private RenderedPrompt Render(IEnumerable<ChatMessage> messages, ChatOptions? options) =>
        Template.RenderMarked(options?.Instructions is { } instructions && !string.IsNullOrWhiteSpace(instructions)
            ? messages.Prepend(new ChatMessage(ChatRole.System, instructions))
            : messages);

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

    /// <summary>
    /// One generation: memory state loaded, prompt prefilled, sampler, cache and an incremental UTF-8 decoder (same loop as
    /// <see cref="Generator.Continue"/>). Slots and RoPE positions are tracked apart because a loaded cartridge may hold entries
    /// at positions other than their slots (compressed or composed).
    /// </summary>
    private sealed class Run : IDisposable
    {
        private readonly LlamaModel model;
        private readonly ITokenizer tokenizer;
        private readonly KvCache cache;
        private readonly Sampler sampler;
        private readonly Decoder decoder = new UTF8Encoding(false).GetDecoder();
        private readonly AdditionalPropertiesDictionary report;
        private readonly int promptTokens;
        private readonly int end;
        private readonly int endOfTurn;
        private int token;
        private int position;
        private int slot;
        private readonly string[] stops;
        private readonly int held;
        private int generated;
        private bool done;
        private bool stopped;
        private string pending = string.Empty;

        public Run(LocalChatClient owner, RenderedPrompt prompt, ChatOptions? options, CancellationToken cancellationToken)
        {
            var baseModel = owner.generator.Model;
            tokenizer = owner.generator.Tokenizer;
            var state = options?.AdditionalProperties?.TryGetValue(MemoryStateKey, out object? value) == true && value is LocalMemoryState requested
                ? requested
                : owner.MemoryState;
            // WithAdapters replaces a view's adapters, so the client's own (a model given as a view with adapters) go first.
            model = state.Adapters.Count == 0 ? baseModel : baseModel.WithAdapters([.. baseModel.Adapters, .. state.Adapters]);
            int max = options?.MaxOutputTokens ?? DefaultMaxOutputTokens;
            int topK = options?.TopK ?? 0;
            float temperature = options?.Temperature ?? 1f;
            float topP = options?.TopP ?? 0.9f;

            // Checked here, not left to Sampler, so the exception names the option the caller set ("Temperature", not Sampler's
            // 'temperature'), and before TopP 0 makes the temperature moot.
            CheckOption(max >= 0, nameof(ChatOptions.MaxOutputTokens), max, "must be 0 or more.");
            CheckOption(topK >= 0, nameof(ChatOptions.TopK), topK, "must be 0 or more.");
            CheckOption(temperature >= 0f && !float.IsInfinity(temperature), nameof(ChatOptions.Temperature), temperature, "must be a finite number, 0 or more (0 is greedy).");
            CheckOption(!float.IsNaN(topP), nameof(ChatOptions.TopP), topP, "must be a number (0 or less is greedy; 1 or more samples the whole distribution).");
            if (topP <= 0f)
            {
                // The narrowest nucleus is the top token alone; Sampler would read 0 as llama2.c's "no nucleus", the whole distribution.
                temperature = 0f;
            }

            // Stop sequences are matched on the decoded text, so one split across tokens is found; up to the longest one's
            // length less one character is held back until it is known not to start one.
            stops = options?.StopSequences?.Where(s => !string.IsNullOrEmpty(s)).Distinct(StringComparer.Ordinal).ToArray() ?? [];
            held = stops.Length == 0 ? 0 : stops.Max(s => s.Length) - 1;
            ulong seed = options?.Seed is { } s ? (ulong)s : (ulong)DateTime.UtcNow.Ticks;
            sampler = new Sampler(model.Config.VocabSize, temperature, topP, seed == 0 ? 1 : seed, topK);

            // The template's end-of-turn marker ends the reply too: it need not be the tokenizer's EOS. A tokenizer that spells it
            // in several tokens (SentencePiece) has no such id, and none is ever sampled (−1).
            endOfTurn = owner.Template.EndOfTurnToken is { } marker && tokenizer.EncodeToIds(marker, bos: false) is [int id] ? id : -1;
            cache = model.CreateCache();
            try
            {
                int prefix = 0;
                var loaded = state.PrefixFor(baseModel.Config);
                if (loaded is { } cartridge)
                {
                    // Imported through the client's model, not the request's adapted view: the cartridge is bound to the weights it was made with.
                    cartridge.ImportInto(baseModel, cache);
                    prefix = cache.Length;
                }

                // After a prefix no second BOS (as Generator.Resume); a template that writes its own BOS adds none. The prompt is a
                // new message, not the memory's text continued, so it keeps the tokenizer's start of a text (a new word).
                int[] tokens = prompt.Encode(tokenizer, bos: prefix == 0 && !owner.Template.IncludesBos);
                if (prefix > 0 && owner.Template.IncludesBos && tokens.Length > 0 && tokens[0] == tokenizer.BosId)
                {
                    tokens = tokens[1..]; // the template's own BOS: the cartridge already starts the sequence
                }
                // The prompt is rendered from the 'messages' argument of GetResponseAsync and GetStreamingResponseAsync: a prompt
                // that cannot run is reported as that argument, which this constructor does not have.
#pragma warning disable CA2208
                if (prefix + tokens.Length > model.Config.SeqLen)
                {
                    throw new ArgumentException($"the loaded memory ({prefix} tokens) and the prompt ({tokens.Length} tokens) exceed the model's context of {model.Config.SeqLen}.", "messages");
                }

                // Positions too: a compressed or moved cartridge's entries sit past their slots, and the model has no position from its limit on.
                int limit = model.Config.PositionLimit;
                if ((long)cache.NextPosition + tokens.Length > limit)
                {
                    throw new ArgumentException($"the loaded memory continues at position {cache.NextPosition}, so it and the prompt ({tokens.Length} tokens) run past the model's context of {limit} positions.", "messages");
                }

                promptTokens = tokens.Length;
                if (tokens.Length == 0)
                {
                    if (prefix == 0)
                    {
                        throw new ArgumentException("the prompt is empty and the tokenizer starts sequences with no BOS token.", "messages");
                    }
#pragma warning restore CA2208

                    // Nothing after the prefix: its last token is fed again at its own slot to get the logits that follow it.
                    (token, position, slot) = (loaded!.Tokens[^1], cache.NextPosition - 1, cache.Length - 1);
                }
                else
                {
                    model.PrefillAt(tokens.AsSpan(0, tokens.Length - 1), cache.NextPosition, cache.Length, cache, cancellationToken: cancellationToken);
                    (token, position, slot) = (tokens[^1], cache.NextPosition, cache.Length);
                }

                // "No limit" (int.MaxValue) means up to the context's end, not an overflow before it: the cache's last slot or the
                // model's last position, whichever comes first (positions run ahead of slots after a compressed or moved cartridge).
                end = slot + Math.Min(max, Math.Min(model.Config.SeqLen - slot, limit - position));
                report = new AdditionalPropertiesDictionary
                {
                    [PrefixTokensKey] = prefix,
                    [AdapterIdsKey] = model.Adapters.Select(a => Convert.ToHexStringLower(a.ComputeId())).ToArray(),
                    [PromptKey] = prompt.Text,
                    [TemplateKey] = owner.Template.Name,
                };
            }
            catch
            {
                cache.Dispose();
                throw;
            }
        }

        public ChatFinishReason FinishReason { get; private set; } = ChatFinishReason.Length;

        /// <summary>Refuses an option with an <see cref="ArgumentOutOfRangeException"/> whose ParamName is the <see cref="ChatOptions"/> property's name.</summary>
        private static void CheckOption(bool valid, string option, object actual, string rule)
        {
            if (!valid)
            {
                throw new ArgumentOutOfRangeException(option, actual, $"ChatOptions.{option} {rule}");
            }
        }

        /// <summary>Frees the cache: on a device backend its buffers go now, not whenever the GC runs.</summary>
        public void Dispose() => cache.Dispose();

        /// <summary>Decodes one token and returns its text, or null when generation is over.</summary>
        public string? Step(CancellationToken cancellationToken)
        {
            if (done || slot >= end)
            {
                done = true;
                return null;
            }

            cancellationToken.ThrowIfCancellationRequested();
            int next = sampler.Sample(model.ForwardAt(token, position, slot, cache));
            // EOS ends the turn too: a llama2.c chat model closes its reply with EOS (run.c's chat mode reads it so), while
            // IsEndOfText is BOS there, which run.c's generate mode stops at.
            if (tokenizer.IsEndOfText(next) || next == endOfTurn || next == tokenizer.EosId)
            {
                FinishReason = ChatFinishReason.Stop;
                done = true;
                return null;
            }

            // A special token has no text: llama2.c's tokenizer would print UNK's piece "<unk>" (as run.c), which is no reply text.
            string text = Release(Decode(tokenizer.IsSpecial(next) ? [] : tokenizer.DecodePiece(token, next), flush: false));
            generated++;
            token = next;
            position++;
            slot++;
            return text;
        }

        /// <summary>What is left at the end: bytes of an unfinished character and text held back for a stop sequence.</summary>
        public string Flush()
        {
            if (stopped)
            {
                return string.Empty;
            }

            string tail = pending + Decode([], flush: true);
            pending = string.Empty;
            int at = FirstStop(tail);
            if (at < 0)
            {
                return tail;
            }

            FinishReason = ChatFinishReason.Stop;
            return tail[..at];
        }

        // The text up to a stop sequence (and the end of the generation), or all but what might start one.
        private string Release(string text)
        {
            if (stops.Length == 0)
            {
                return text;
            }

            pending += text;
            int at = FirstStop(pending);
            if (at >= 0)
            {
                string before = pending[..at];
                pending = string.Empty;
                (done, stopped, FinishReason) = (true, true, ChatFinishReason.Stop);
                return before;
            }

            int cut = pending.Length - Math.Min(held, pending.Length);
            if (cut > 0 && char.IsHighSurrogate(pending[cut - 1]))
            {
                cut--; // never half a character
            }

            string released = pending[..cut];
            pending = pending[cut..];
            return released;
        }

        private int FirstStop(string text)
        {
            int first = -1;
            foreach (string stop in stops)
            {
                int at = text.IndexOf(stop, StringComparison.Ordinal);
                if (at >= 0 && (first < 0 || at < first))
                {
                    first = at;
                }
            }

            return first;
        }

        public UsageDetails Usage() => new() { InputTokenCount = promptTokens, OutputTokenCount = generated, TotalTokenCount = promptTokens + generated };

        /// <summary>What the model's input was, for the response's additional properties (a copy per response).</summary>
        public AdditionalPropertiesDictionary Report() => new(report);

        private string Decode(ReadOnlySpan<byte> bytes, bool flush)
        {
            Span<char> chars = stackalloc char[decoder.GetCharCount(bytes, flush: false) + 4];
            int n = decoder.GetChars(bytes, chars, flush);
            return new string(chars[..n]);
        }
    }
}
