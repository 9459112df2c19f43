using AgentMem.Agents.Activation;

namespace AgentMem.Cli.Commands;

/// <summary><c>model</c>: run a local LLaMA-family model (llama2.c checkpoint or Hugging Face folder) on the CPU. Subcommands <c>generate</c> (with <c>--adapter</c>), <c>cartridge create|run|inspect|compress|promote|train</c> and <c>adapter info|train</c>.</summary>
internal static class ModelCommand
{
    public static Command Create(Verbs verbs)
    {
        var command = new Command("model", "Local LLaMA-family model (llama2.c checkpoint or Hugging Face folder) on the CPU, or with --backend ilgpu on a GPU.");
        command.Subcommands.Add(Generate(verbs));
        var cartridge = new Command("cartridge", "Save a prefilled prompt as a KV cartridge and generate from it without prefilling again.");
        cartridge.Subcommands.Add(CartridgeCreate(verbs));
        cartridge.Subcommands.Add(CartridgeRun(verbs));
        cartridge.Subcommands.Add(CartridgeCommands.Inspect(verbs));
        cartridge.Subcommands.Add(CartridgeCommands.Compress(verbs));
        cartridge.Subcommands.Add(CartridgeCommands.Promote(verbs));
        cartridge.Subcommands.Add(CartridgeTrainCommand.Create(verbs));
        command.Subcommands.Add(cartridge);
        var adapter = new Command("adapter", "LoRA adapter files (.amlora): parametric memory applied at inference with `generate --adapter`.");
        adapter.Subcommands.Add(AdapterCommands.Info(verbs));
        adapter.Subcommands.Add(AdapterTrainCommand.Create(verbs));
        command.Subcommands.Add(adapter);
        return command;
    }

    private static Command CartridgeCreate(Verbs verbs)
    {
        var modelFlags = new ModelFlags();
        var textFile = new Option<string>("--text-file") { Description = "UTF-8 text to prefill (read whole, used verbatim): from BOS, or after the --base chain.", Required = true };
        var output = new Option<string>("--out") { Description = "Cartridge file to write.", Required = true };
        var bases = new Option<string[]>("--base")
        {
            Description = "Make a chain link: the text is prefilled after these cartridges (a root, then its links in order; repeatable) and only its own entries are saved. Running the chain plus the link equals prefilling all the texts, unless the base holds compressed or trained entries (a notice says so).",
            AllowMultipleArgumentsPerToken = false,
        };
        return verbs.Create("create", "Prefill a text (from BOS, or on top of a base chain) and save its KV entries as a cartridge.", [
            modelFlags.Model, modelFlags.Tokenizer, modelFlags.Backend, modelFlags.Context, textFile, output, bases,
        ], async (ctx, parse, ct) =>
        {
            string path = Parsing.OutputFile(ctx, parse.GetValue(output), "--out", [.. modelFlags.Inputs(parse), (textFile.Name, parse.GetValue(textFile)), .. (parse.GetValue(bases) ?? []).Select(b => (bases.Name, (string?)b))]);
            string text = await File.ReadAllTextAsync(parse.GetValue(textFile)!, ct).ConfigureAwait(false);
            var generator = modelFlags.Load(parse, ctx.Output.Err);
            var chain = (parse.GetValue(bases) ?? []).Select(KvCartridge.Load).ToList();
            KvCartridge cart;
            try
            {
                cart = chain.Count == 0
                    ? generator.CreateCartridge(text, generator.Model.CreateCache(), ct)
                    : generator.CreateCartridge(text, chain, generator.Model.CreateCache(), ct);
            }
            catch (ArgumentException ex)
            {
                throw new MemoryValidationException(ex.Message);
            }

            cart.Save(path);
            string id = Convert.ToHexStringLower(cart.Id);

            // A link on compressed (or trained) entries is computed exactly on them, but the chain no longer equals its texts.
            bool exact = KvCartridge.IsExact([.. chain, cart]);
            if (!exact)
            {
                ctx.Output.Notice(ApproximateNotice(chain));
            }

            if (ctx.Output.IsJson)
            {
                ctx.Output.WriteJson(new { cartridge = path, tokens = cart.Count, id, baseId = cart.IsRoot ? null : Convert.ToHexStringLower(cart.BaseId), exact });
            }
            else
            {
                string link = cart.IsRoot ? string.Empty : $", link on {Convert.ToHexStringLower(cart.BaseId)[..16]}";
                ctx.Output.Out.WriteLine($"wrote {path} ({cart.Count.ToString(CultureInfo.InvariantCulture)} tokens, id {id[..16]}{link})");
                ctx.Output.Out.Flush();
            }

            return 0;
        });
    }

    private static Command CartridgeRun(Verbs verbs)
    {
        var modelFlags = new ModelFlags("the cartridge was made with");
        var cartridge = new Option<string[]>("--cartridge")
        {
            Description = "A cartridge from `model cartridge create` (repeatable: composed in order). A chain (root, then links made with --base) composes exactly, and a link needs the cartridges before it; independent cartridges are re-based, which is exact only in layer 0, so the result approximates prefilling the joined texts, as does a compressed or trained cartridge (a notice says so).",
            AllowMultipleArgumentsPerToken = false,
        };
        var memoryId = new Option<string?>("--memory") { Description = "Id of an activation memory (from `model cartridge promote`) whose cartridge to run, instead of --cartridge." };
        var prompt = new Option<string>("--prompt") { Description = "Text that continues the cartridge's text as written, after its tokens: no BOS and no space added (start it with a space to begin a new word). Without it generation continues right after the cartridge.", DefaultValueFactory = _ => string.Empty };
        var steps = new Option<int>("--steps") { Description = "New tokens to generate (capped by the model's context, in positions: a compressed cartridge continues at its last entry's position, not at its entry count).", DefaultValueFactory = _ => 256 };
        var sampling = new SamplingFlags();
        return verbs.Create("run", "Generate after saved cartridges, as `model generate --prompt <cartridge text><prompt>` would (the prompt joined to the text as written; exact for a chain of uncompressed cartridges wherever no token spans the join); prints only the generated text.", [
            modelFlags.Model, modelFlags.Tokenizer, modelFlags.Backend, modelFlags.Context, cartridge, memoryId, prompt, steps, sampling.Temperature, sampling.TopP, sampling.Seed,
        ], async (ctx, parse, ct) =>
        {
            int n = parse.GetValue(steps);
            string[] files = parse.GetValue(cartridge) ?? [];
            string? id = parse.GetValue(memoryId);
            if ((files.Length == 0) == (id is null))
            {
                throw new MemoryValidationException("Give either --cartridge (one or more) or --memory, not both.");
            }

            if (id is not null)
            {
                await using var memory = ctx.OpenMemory();
                var item = await memory.GetAsync(ctx.Scope, Parsing.Id(id), ct);
                files = [ActivationMemoryScheduler.ResolveCartridgeFile(item)];
            }

            var parts = files.Select(KvCartridge.Load).ToList();
            if (parts is [{ IsRoot: false, IsDetached: false }])
            {
                // Generator.Resume refuses it as well; said here before the model loads, which can take long.
                throw new MemoryValidationException($"{files[0]} is a link of a chain and lacks the entries before it; give the chain from its root: --cartridge <root> then each link in order.");
            }

            // Exact only for a chain (a lone root is one) of complete entries: a lone detached cartridge was itself re-based or
            // composed approximately, and a compressed root (or a chain on one) lacks the entries compression dropped.
            bool exact = KvCartridge.IsExact(parts);
            if (!exact)
            {
                ctx.Output.Notice(ApproximateNotice(parts));
            }

            if (parts.Count > 1)
            {
                KvCartridge.EnsureSameModel(parts); // before the model loads, which can take long
            }

            var generator = modelFlags.Load(parse, ctx.Output.Err);
            var cart = parts.Count == 1 ? parts[0] : KvCartridge.Compose(parts, generator.Model.Config);
            GenerationResult result;
            try
            {
                result = generator.Resume(cart, parse.GetValue(prompt)!, n, sampling.Create(parse, n, generator.Model.Config.VocabSize), generator.Model.CreateCache(), ct);
            }
            catch (ArgumentException ex)
            {
                throw new MemoryValidationException(ex.Message);
            }

            Write(ctx, result, exact);
            return 0;
        });
    }

    /// <summary>Why decoding after <paramref name="parts"/> is not what generating after their text gives (they are not <see cref="KvCartridge.IsExact"/>).</summary>
    private static string ApproximateNotice(List<KvCartridge> parts)
    {
        if (KvCartridge.IsChain(parts))
        {
            return parts.Any(p => p.IsTrained)
                ? "[yellow]approximate:[/] a trained cartridge's entries stand for its corpus, not for its tokens, so generating after them is not generating after its text."
                : "[yellow]approximate:[/] compressed entries (`cartridge compress` dropped some of the text's), so generating after them approximates generating after the whole text.";
        }

        return parts.Count == 1
            ? "[yellow]approximate:[/] this cartridge was re-based or composed from cartridges that are not one chain; only layer 0 is exact."
            : "[yellow]approximate:[/] these cartridges are not one chain, so they were re-based; only layer 0 is exact (make links with `cartridge create --base` for an exact composition).";
    }

    private static void Write(CliContext ctx, GenerationResult result, bool? exact = null)
    {
        if (ctx.Output.IsJson)
        {
            if (exact is { } e)
            {
                ctx.Output.WriteJson(new { text = result.Text, promptTokens = result.PromptTokens.Count, tokens = result.Tokens, stoppedAtBos = result.StoppedAtBos, exact = e });
            }
            else
            {
                ctx.Output.WriteJson(new { text = result.Text, promptTokens = result.PromptTokens.Count, tokens = result.Tokens, stoppedAtBos = result.StoppedAtBos });
            }
        }
        else
        {
            ctx.Output.Out.Write(result.Text);
            ctx.Output.Out.Write('\n');
            ctx.Output.Out.Flush();
        }
    }

    private static Command Generate(Verbs verbs)
    {
        var modelFlags = new ModelFlags();
        var prompt = new Option<string>("--prompt") { Description = "Text to continue (not printed); BOS is always position 0.", DefaultValueFactory = _ => string.Empty };
        var steps = new Option<int>("--steps") { Description = "New tokens to generate after the prompt (capped by the model's context).", DefaultValueFactory = _ => 256 };
        var sampling = new SamplingFlags();
        var adapters = AdapterCommands.AdapterOption();
        return verbs.Create("generate", "Generate text with llama2.c semantics; prints only the generated text.", [
            modelFlags.Model, modelFlags.Tokenizer, modelFlags.Backend, modelFlags.Context, prompt, steps, sampling.Temperature, sampling.TopP, sampling.Seed, adapters,
        ], (ctx, parse, ct) =>
        {
            int n = parse.GetValue(steps);

            var generator = AdapterCommands.Attach(modelFlags.Load(parse, ctx.Output.Err), parse.GetValue(adapters) ?? []);
            GenerationResult result = null!;
            Verb.Validate(() => result = generator.Generate(parse.GetValue(prompt)!, n, sampling.Create(parse, n, generator.Model.Config.VocabSize), ct));
            Write(ctx, result);
            return Task.FromResult(0);
        });
    }

    /// <summary>The sampling flags shared by <c>generate</c> and <c>cartridge run</c>, with their validation.</summary>
    private sealed class SamplingFlags
    {
        public Option<float> Temperature { get; } = new("--temperature") { Description = "0 = greedy; higher is more random.", DefaultValueFactory = _ => 1.0f };

        public Option<float> TopP { get; } = new("--topp") { Description = "Nucleus sampling mass in (0, 1); 0 or 1 samples the whole distribution.", DefaultValueFactory = _ => 0.9f };

        public Option<ulong> Seed { get; } = new("--seed") { Description = "Random seed (non-zero) for reproducible sampling.", DefaultValueFactory = _ => 42UL };

        public Sampler Create(ParseResult parse, int steps, int vocabSize)
        {
            float t = parse.GetValue(Temperature);
            ulong s = parse.GetValue(Seed);
            if (steps < 0 || t < 0 || float.IsNaN(t) || s == 0)
            {
                throw new MemoryValidationException("--steps and --temperature must be ≥ 0 and --seed non-zero.");
            }

            return new Sampler(vocabSize, t, parse.GetValue(TopP), s);
        }
    }
}
