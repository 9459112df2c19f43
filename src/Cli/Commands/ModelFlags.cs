namespace AgentMem.Cli.Commands;

/// <summary>
/// The <c>--model</c> and <c>--tokenizer</c> flags of every model verb, and loading what they name: a llama2.c checkpoint
/// with its <c>tokenizer.bin</c>, or a Hugging Face LLaMA/Qwen2/SmolLM folder, whose <c>tokenizer.json</c> is used unless
/// another tokenizer is named.
/// </summary>
internal sealed class ModelFlags
{
    /// <summary>Flags whose model help ends with <paramref name="modelNote"/> (e.g. "the cartridge was made with").</summary>
    public ModelFlags(string? modelNote = null)
    {
        string note = modelNote is null ? string.Empty : " " + modelNote;
        Model = new Option<string>("--model") { Description = $"llama2.c checkpoint (.bin) or Hugging Face folder (config.json + safetensors){note}.", Required = true };
        Tokenizer = new Option<string?>("--tokenizer") { Description = "llama2.c tokenizer.bin, or a tokenizer.json; needed with a .bin checkpoint, defaults to the folder's tokenizer.json." };
        Backend = new Option<string>("--backend")
        {
            Description = "Where the forward pass runs: cpu (default), or ilgpu (ILGPU kernels: a CUDA GPU when present, else ILGPU's CPU accelerator; stderr says which).",
            DefaultValueFactory = _ => "cpu",
        };
        Backend.AcceptOnlyFromAmong("cpu", "ilgpu");
        Context = ContextOption("--context");
    }

    /// <summary>
    /// The context a model verb gives a model unless <c>--context</c> says otherwise: the checkpoint's own, at most this. Hugging
    /// Face configs name what the model was stretched to (131,072 positions for Llama 3.2), and a cache that long takes
    /// gigabytes (Layers × positions × KV width × 8 bytes: 8.6 GB for Llama 3.2 1B); llama.cpp defaults to a few thousand too.
    /// </summary>
    public const int DefaultContext = 8192;

    public Option<string> Model { get; }

    public Option<string?> Tokenizer { get; }

    public Option<string> Backend { get; }

    public Option<int?> Context { get; }

    /// <summary>
    /// The model and tokenizer these flags name, each with its flag: the inputs a verb's output file must not replace
    /// (<see cref="Parsing.OutputFile"/>).
    /// </summary>
    public (string Option, string? Path)[] Inputs(ParseResult parse) => [(Model.Name, parse.GetValue(Model)), (Tokenizer.Name, parse.GetValue(Tokenizer))];

    /// <summary>The <c>--context</c> option under <paramref name="name"/>.</summary>
    public static Option<int?> ContextOption(string name) => new(name)
    {
        Description = $"Positions the model's cache holds: the checkpoint's context, at most {DefaultContext:N0} unless this says more (a cache of 131,072 positions takes gigabytes).",
    };

    /// <summary>The <c>--context</c> value checked: positive, or null for the default.</summary>
    public static int Cap(ParseResult parse, Option<int?> option) => parse.GetValue(option) switch
    {
        null => DefaultContext,
        > 0 and var n => n,
        var n => throw new MemoryValidationException($"{option.Name} must be a positive number of positions; got {n}."),
    };

    /// <summary>Loads the model and its tokenizer.</summary>
    public Generator Load(ParseResult parse, TextWriter? log = null)
    {
        var kind = parse.GetValue(Backend) == "ilgpu" ? ComputeBackendKind.Ilgpu : ComputeBackendKind.Cpu;
        var generator = Load(parse.GetValue(Model)!, parse.GetValue(Tokenizer), "--model", "--tokenizer", kind, Cap(parse, Context));
        if (kind != ComputeBackendKind.Cpu)
        {
            log?.WriteLine($"backend: {generator.Model.BackendDescription}");
        }

        return generator;
    }

    /// <summary>
    /// Loads the model at <paramref name="modelPath"/> and its tokenizer (<paramref name="named"/>, else the folder's), its context
    /// capped at <paramref name="context"/> positions; errors name the flags as the verb spells them, <paramref name="flag"/> and
    /// <paramref name="tokenizerFlag"/>.
    /// </summary>
    public static Generator Load(string modelPath, string? named, string flag, string tokenizerFlag, ComputeBackendKind backend = ComputeBackendKind.Cpu, int context = DefaultContext)
    {
        bool folder = Directory.Exists(modelPath);
        if (!folder && !File.Exists(modelPath))
        {
            throw new MemoryValidationException($"{flag} '{modelPath}' is neither a checkpoint file nor a model folder.");
        }

        if (!folder && named is null)
        {
            // A file of another format (a Hugging Face folder's .safetensors, GGUF) is named for what it is before the
            // tokenizer is asked for: that file's fix is to pass its folder, not to add --tokenizer.
            Llama2cCheckpoint.ReadConfig(modelPath);
        }

        string tokenizerPath = named ?? (folder
            ? Path.Combine(modelPath, "tokenizer.json")
            : throw new MemoryValidationException($"{tokenizerFlag} is needed with a llama2.c checkpoint: the tokenizer.bin matching its vocabulary."));
        if (!File.Exists(tokenizerPath))
        {
            throw new MemoryValidationException(named is null
                ? $"the model folder has no tokenizer.json ('{tokenizerPath}'); name one with {tokenizerFlag}."
                : $"{tokenizerFlag} '{tokenizerPath}' does not exist.");
        }

        LlamaModel model;
        try
        {
            model = LlamaModel.Load(modelPath, new ModelLoadOptions { Backend = backend, MaxSequenceLength = context });
        }
        catch (NotSupportedException e)
        {
            throw new MemoryValidationException($"--backend {backend.ToString().ToLowerInvariant()}: {e.Message}");
        }

        ITokenizer tokenizer = tokenizerPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
            ? ByteLevelBpeTokenizer.Load(tokenizerPath)
            : SentencePieceBpeTokenizer.Load(tokenizerPath, model.Config.VocabSize);
        return new Generator(model, tokenizer);
    }
}
