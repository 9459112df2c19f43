namespace AgentMem.ModelHost;

/// <summary>
/// Prompt → text with llama2.c's loop: BOS at position 0, the prompt prefilled in one batch (<see cref="LlamaModel.Prefill"/>), then sampling until
/// the requested number of new tokens, the context end, or a sampled end-of-text token (<see cref="ITokenizer.IsEndOfText"/>: BOS for llama2.c).
/// The text is what run.c prints (<see cref="ITokenizer.DecodePiece"/>), a sampled EOS or UNK included as its piece
/// (<c>"\n&lt;/s&gt;\n"</c>, <c>&lt;unk&gt;</c>); <see cref="LocalChatClient"/> ends a reply at EOS and prints no special token.
/// </summary>
public sealed class Generator
{
    /// <summary>Pairs a model with its tokenizer.</summary>
    public Generator(LlamaModel model, ITokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        // A Hugging Face model's embedding table may be padded past its tokenizer (Qwen2); more tokens than rows is an error.
        if (tokenizer.VocabSize > model.Config.VocabSize)
        {
            throw new ModelFormatException($"tokenizer has {tokenizer.VocabSize} tokens but the model has only {model.Config.VocabSize}.");
        }

        Model = model;
        Tokenizer = tokenizer;
    }

    /// <summary>The model.</summary>
    public LlamaModel Model { get; }

    /// <summary>The tokenizer.</summary>
    public ITokenizer Tokenizer { get; }

    /// <summary>Generates up to <paramref name="steps"/> new tokens after <paramref name="prompt"/> in a fresh cache.</summary>
    public GenerationResult Generate(string prompt, int steps, Sampler sampler, CancellationToken cancellationToken = default)
    {
        using var cache = Model.CreateCache();
        return Generate(prompt, steps, sampler, cache, cancellationToken);
    }

    /// <summary>
    /// Generates up to <paramref name="steps"/> new tokens after <paramref name="prompt"/>, using <paramref name="cache"/> (cleared first).
    /// The cache is left holding the prompt and every generated token that was fed back.
    /// </summary>
    public GenerationResult Generate(string prompt, int steps, Sampler sampler, KvCache cache, CancellationToken cancellationToken = default)
    {
        int[] promptTokens = Prefill(prompt, cache, cancellationToken);
        return Continue(promptTokens, promptTokens.Length - 1, steps, sampler, cache, cancellationToken);
    }

    /// <summary>
    /// Encodes <paramref name="prompt"/> (with BOS) and runs all but its last token into <paramref name="cache"/> (cleared first),
    /// leaving the last token to be fed by <see cref="Continue"/>. Returns the prompt's tokens.
    /// </summary>
    public int[] Prefill(string prompt, KvCache cache, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(cache);
        int[] promptTokens = Tokenizer.EncodeToIds(prompt, bos: true);
        if (promptTokens.Length == 0)
        {
            throw new ArgumentException("the prompt is empty and the tokenizer starts sequences with no BOS token.", nameof(prompt));
        }

        if (promptTokens.Length > Model.Config.SeqLen)
        {
            throw new ArgumentException($"the prompt is {promptTokens.Length} tokens; the model's context is {Model.Config.SeqLen}.", nameof(prompt));
        }

        cache.Clear();
        Model.Prefill(promptTokens.AsSpan(0, promptTokens.Length - 1), 0, cache, cancellationToken); // batched (runtime)

        return promptTokens;
    }

    /// <summary>
    /// Prefills <paramref name="text"/> from BOS (every token, the last included) into <paramref name="cache"/> (cleared first)
    /// and exports positions 0 .. n-1 as a cartridge whose <see cref="KvCartridge.Tokens"/> are the text's tokens, encoded as
    /// content (<see cref="ITokenizer.EncodeText"/>: a special token's spelling in the text stays text).
    /// </summary>
    /// <exception cref="ArgumentException">The text does not fit the model's context.</exception>
    public KvCartridge CreateCartridge(string text, KvCache cache, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(cache);
        int[] tokens = Tokenizer.EncodeText(text, bos: true); // memory text: a special token's spelling stays text
        if (tokens.Length > Model.Config.SeqLen)
        {
            throw new ArgumentException($"the text is {tokens.Length} tokens; the model's context is {Model.Config.SeqLen}.", nameof(text));
        }

        cache.Clear();
        Model.Prefill(tokens, 0, cache, cancellationToken); // batched (runtime)

        return KvCartridge.Export(Model, cache, tokens);
    }

    /// <summary>
    /// Imports <paramref name="cartridge"/> into <paramref name="cache"/>, appends <paramref name="prompt"/>'s tokens after the
    /// cartridge's tokens, and decodes up to <paramref name="steps"/> new tokens. The prompt continues the cartridge's text as
    /// written (<see cref="ITokenizer.EncodeContinuation"/>: no BOS and no space added; start it with a space to begin a new
    /// word), so the result equals <see cref="Generate(string, int, Sampler, CancellationToken)"/> on the joined text wherever
    /// no token would span the join (and the cartridge is exact, <see cref="KvCartridge.IsExact"/>: not compressed, trained,
    /// re-based or composed approximately). With an empty prompt the result equals
    /// <see cref="Generate(string, int, Sampler, CancellationToken)"/> on the cartridge's text (one spelling no special token): the cartridge's last token is fed
    /// again at its own position (rewriting the identical key and value) to get the logits that follow it.
    /// The cartridge is a root, a composed chain, or detached (re-based or composed approximately, which is accepted as an
    /// approximation); a chain link alone is refused, since it lacks the entries of the chain before it.
    /// </summary>
    /// <exception cref="ModelFormatException">The cartridge was made by another model or does not fit it.</exception>
    /// <exception cref="ArgumentException">The cartridge is empty or a chain link, or it and the prompt do not fit the model's context.</exception>
    public GenerationResult Resume(KvCartridge cartridge, string prompt, int steps, Sampler sampler, KvCache cache, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cartridge);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(cache);
        if (cartridge.Count == 0)
        {
            throw new ArgumentException("the cartridge holds no tokens; it needs at least BOS.", nameof(cartridge));
        }

        if (!cartridge.IsRoot && !cartridge.IsDetached)
        {
            throw new ArgumentException($"the cartridge is a link of a chain (made on top of {Convert.ToHexStringLower(cartridge.BaseId)[..16]}…) and lacks the entries before it; compose the chain from its root (KvCartridge.Compose) and resume that.", nameof(cartridge));
        }

        int[] extra = prompt.Length == 0 ? [] : Tokenizer.EncodeContinuation(prompt);
        if (cartridge.Count + extra.Length > Model.Config.SeqLen)
        {
            throw new ArgumentException($"the cartridge ({cartridge.Count} tokens) and the prompt ({extra.Length} tokens) exceed the model's context of {Model.Config.SeqLen}.", nameof(prompt));
        }

        // Positions too: a compressed or moved cartridge's entries sit past their slots, and the model has no position from its limit on.
        int limit = Model.Config.PositionLimit;
        if ((long)cartridge.NextPosition + extra.Length > limit)
        {
            throw new ArgumentException($"the cartridge continues at position {cartridge.NextPosition}, so it and the prompt ({extra.Length} tokens) run past the model's context of {limit} positions.", extra.Length == 0 ? nameof(cartridge) : nameof(prompt));
        }

        cartridge.ImportInto(Model, cache);
        int[] history = [.. cartridge.Tokens, .. extra];
        // Entries may sit at positions other than their slots (a compressed or composed cartridge): the prompt follows the last one.
        for (int i = 0; i < extra.Length - 1; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Model.ForwardAt(extra[i], cache.NextPosition, cache.Length, cache);
        }

        int position = extra.Length == 0 ? cache.NextPosition - 1 : cache.NextPosition;
        return Continue(history, position, steps, sampler, cache, cancellationToken);
    }

    /// <summary>
    /// Imports the chain <paramref name="baseChain"/> (a root followed by its links, in order; often just one root), prefills
    /// <paramref name="text"/> (no BOS; encoded as a new text, so SentencePiece's dummy-prefix space starts it as a new word, as
    /// <see cref="Resume"/> with the text after a space would) after it, and exports only the new entries as a link whose <see cref="KvCartridge.BaseId"/>
    /// is the last part's id. Composing the chain and the link (<see cref="KvCartridge.Compose(IReadOnlyList{KvCartridge})"/>) then equals prefilling all
    /// their tokens in one go, unless the base holds compressed or trained entries: the link is then computed on those, and
    /// the chain is not <see cref="KvCartridge.IsExact"/>.
    /// </summary>
    /// <exception cref="ModelFormatException">The base was made by another model or does not fit it.</exception>
    /// <exception cref="ArgumentException">The parts are not a chain, the text is empty, or they do not fit the model's context.</exception>
    public KvCartridge CreateCartridge(string text, IReadOnlyList<KvCartridge> baseChain, KvCache cache, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(baseChain);
        ArgumentNullException.ThrowIfNull(cache);
        if (!KvCartridge.IsChain(baseChain))
        {
            throw new ArgumentException("the base must be a chain: a root cartridge, then each link made on top of the one before, in order.", nameof(baseChain));
        }

        int[] tokens = Tokenizer.EncodeText(text, bos: false);
        if (tokens.Length == 0)
        {
            throw new ArgumentException("the text encodes to no tokens.", nameof(text));
        }

        var context = baseChain.Count == 1 ? baseChain[0] : KvCartridge.Compose(baseChain);
        if (context.Count + tokens.Length > Model.Config.SeqLen)
        {
            throw new ArgumentException($"the base ({context.Count} tokens) and the text ({tokens.Length} tokens) exceed the model's context of {Model.Config.SeqLen}.", nameof(text));
        }

        // A compressed base continues at its last entry's position, not at its entry count.
        if ((long)context.NextPosition + tokens.Length > Model.Config.PositionLimit)
        {
            throw new ArgumentException($"the base continues at position {context.NextPosition}, so the text ({tokens.Length} tokens) runs past the model's context of {Model.Config.PositionLimit} positions.", nameof(text));
        }

        context.ImportInto(Model, cache);
        foreach (int token in tokens)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Model.ForwardAt(token, cache.NextPosition, cache.Length, cache);
        }

        return KvCartridge.Export(Model, cache, context.Count, tokens, baseChain[^1]);
    }

    /// <summary>
    /// Decodes up to <paramref name="steps"/> new tokens when the context before <paramref name="position"/> is already in
    /// <paramref name="cache"/> and <paramref name="history"/>[^1] is the token to feed at <paramref name="position"/>
    /// (for example after importing a cartridge). The token goes into the slot that already holds <paramref name="position"/>
    /// (rewriting it and dropping later slots) or, for a position past the cache's last, into the next free slot, so compressed
    /// caches whose slots and positions differ continue correctly. Decoding stops when the cache's slots or the model's positions
    /// (<see cref="LlamaConfig.PositionLimit"/>) run out, whichever comes first.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> is past the model's positions, or neither held by a slot nor past the cache's last.</exception>
    public GenerationResult Continue(IReadOnlyList<int> history, int position, int steps, Sampler sampler, KvCache cache, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(sampler);
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        if (history.Count == 0)
        {
            throw new ArgumentException("history needs at least the token to feed next.", nameof(history));
        }

        int limit = Model.Config.PositionLimit;
        if (position >= limit)
        {
            throw new ArgumentOutOfRangeException(nameof(position), position, $"past the model's context of {limit} positions.");
        }

        int token = history[^1];
        bool stoppedAtBos = false;
        int slot = cache.SlotFor(position);
        // The token sampled in slot s sits in s + 1, so a cache of SeqLen slots allows sampling up to slot SeqLen - 1; likewise
        // positions, which run ahead of slots after a compressed or moved cartridge: counting slots alone ran past the context.
        int end = Math.Min(steps, Math.Min(Model.Config.SeqLen - slot, limit - position));

        // Sized by what the context allows, not by the steps asked for ("no limit" is int.MaxValue).
        var generated = new List<int>(Math.Max(end, 0));
        var bytes = new List<byte>(Math.Max(end, 0) * 4);
        for (int i = 0; i < end; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var logits = Model.ForwardAt(token, position + i, slot + i, cache);
            int next = sampler.Sample(logits);
            if (Tokenizer.IsEndOfText(next))
            {
                stoppedAtBos = true;
                break;
            }

            foreach (byte b in Tokenizer.DecodePiece(token, next))
            {
                bytes.Add(b);
            }

            generated.Add(next);
            token = next;
        }

        return new GenerationResult([.. history], generated, System.Text.Encoding.UTF8.GetString([.. bytes]), stoppedAtBos);
    }
}
