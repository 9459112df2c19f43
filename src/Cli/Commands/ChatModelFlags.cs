namespace AgentMem.Cli.Commands;

/// <summary>
/// The flags naming the model <c>chat</c> talks to: an OpenAI-compatible endpoint (<c>--base-url</c> and <c>--model</c>, key from
/// the environment) or the local model host (<c>--local-model</c>, <c>--model-tokenizer</c>), exactly one of the two. The local
/// model's tokenizer is <c>--model-tokenizer</c> here, not the model verbs' <c>--tokenizer</c>: on <c>chat</c>, <c>--tokenizer</c>
/// names what counts the recalled context's budget (<see cref="TokenizerOption"/>).
/// </summary>
internal sealed class ChatModelFlags
{
    /// <summary>The environment variable read first for the endpoint's key.</summary>
    public const string ApiKeyVariable = "AGENTMEM_CHAT_API_KEY";

    public Option<string?> BaseUrl { get; } = new("--base-url") { Description = "OpenAI-compatible API base, e.g. http://127.0.0.1:11434/v1 (Ollama). Key in AGENTMEM_CHAT_API_KEY, else OPENAI_API_KEY. Env AGENTMEM_CHAT_BASE_URL.", DefaultValueFactory = _ => CliContext.Env("AGENTMEM_CHAT_BASE_URL") };

    public Option<string?> Model { get; } = new("--model") { Description = "Model name at the endpoint. Env AGENTMEM_CHAT_MODEL.", DefaultValueFactory = _ => CliContext.Env("AGENTMEM_CHAT_MODEL") };

    public Option<string?> LocalModel { get; } = new("--local-model") { Description = "Run a local model on the CPU instead: a llama2.c checkpoint (.bin, with --model-tokenizer) or a Hugging Face folder." };

    public Option<string?> ModelTokenizer { get; } = new("--model-tokenizer") { Description = "With --local-model: llama2.c tokenizer.bin or a tokenizer.json (default: the folder's tokenizer.json). The model verbs call it --tokenizer." };

    public Option<string> ChatTemplateName { get; } = new Option<string>("--chat-template")
    {
        Description = "With --local-model: how messages become the prompt. auto (default) reads the model folder (tokenizer_config.json's chat_template, the tokenizer's special tokens, config.json's model_type; plain for a llama2.c checkpoint); or plain, chatml, llama3.",
        DefaultValueFactory = _ => Auto,
    }.AcceptOnlyFromAmong(Auto, "plain", "chatml", "llama3");

    public Option<int?> LocalContext { get; } = ModelFlags.ContextOption("--model-context");

    public IEnumerable<Option> All => [BaseUrl, Model, LocalModel, ModelTokenizer, ChatTemplateName, LocalContext];

    private const string Auto = "auto";

    /// <summary>Creates the chat client the flags name; a user error when they name none, both, or something unusable.</summary>
    public ChatModel Create(ParseResult parse)
    {
        string? local = parse.GetValue(LocalModel);
        string? url = parse.GetValue(BaseUrl);
        // The environment's endpoint is a default, so an explicit --local-model wins over it; two explicit choices are a mistake.
        if (local is not null && parse.GetResult(BaseUrl) is { Implicit: false })
        {
            throw new MemoryValidationException("Give either --local-model or --base-url, not both.");
        }

        if (local is not null)
        {
            var generator = ModelFlags.Load(local, parse.GetValue(ModelTokenizer), "--local-model", "--model-tokenizer", context: ModelFlags.Cap(parse, LocalContext));
            string templateName = parse.GetValue(ChatTemplateName) ?? Auto;
            var template = templateName == Auto ? ChatTemplate.ForModel(local) : ChatTemplate.FromName(templateName);
            var client = new LocalChatClient(generator.Model, generator.Tokenizer, template, Path.GetFileNameWithoutExtension(Path.TrimEndingDirectorySeparator(local)));
            return new ChatModel(client, local, generator.Model.Config.SeqLen, template.Name);
        }

        if (parse.GetResult(ChatTemplateName) is { Implicit: false })
        {
            throw new MemoryValidationException("--chat-template applies to --local-model only: an endpoint renders its own chat format.");
        }

        if (parse.GetResult(LocalContext) is not null)
        {
            throw new MemoryValidationException("--model-context applies to --local-model only: an endpoint sets its own context.");
        }

        if (string.IsNullOrWhiteSpace(url))
        {
            throw new MemoryValidationException("chat needs a model: pass --base-url URL --model NAME (or set AGENTMEM_CHAT_BASE_URL and AGENTMEM_CHAT_MODEL), or --local-model PATH.");
        }

        var uri = EndpointUrl.Parse(url, "--base-url");

        string? model = parse.GetValue(Model);
        if (string.IsNullOrWhiteSpace(model))
        {
            throw new MemoryValidationException($"--base-url {url} needs a model name: pass --model NAME or set AGENTMEM_CHAT_MODEL.");
        }

        var options = new OpenAICompatibleOptions { BaseUrl = uri, Model = model, ApiKey = CliContext.Env(ApiKeyVariable) ?? CliContext.Env("OPENAI_API_KEY") };
        return new ChatModel(OpenAICompatibleClients.CreateChatClient(options), url, null, null);
    }
}
