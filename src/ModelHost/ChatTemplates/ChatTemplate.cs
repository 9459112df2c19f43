using Microsoft.Extensions.AI;

namespace AgentMem.ModelHost;

/// <summary>
/// Turns chat messages into the prompt text a local model was trained on: <see cref="Plain"/> for llama2.c story models,
/// <see cref="ChatML"/> for Qwen-family models, <see cref="Llama3"/> for Llama-3 instruct models. <see cref="ForModel"/> picks
/// one from a model's folder.
/// </summary>
public abstract class ChatTemplate
{
    /// <summary>Messages' texts joined with a newline, no special tokens (llama2.c story models have no chat format).</summary>
    public static ChatTemplate Plain { get; } = new PlainChatTemplate();

    /// <summary>ChatML (<c>&lt;|im_start|&gt;role\n…&lt;|im_end|&gt;\n</c>), as Qwen models use.</summary>
    public static ChatTemplate ChatML { get; } = new MarkupChatTemplate("chatml", bos: string.Empty, "<|im_start|>", "\n", "<|im_end|>\n", "<|im_end|>");

    /// <summary>Llama 3 (<c>&lt;|begin_of_text|&gt;&lt;|start_header_id|&gt;role&lt;|end_header_id|&gt;\n\n…&lt;|eot_id|&gt;</c>).</summary>
    public static ChatTemplate Llama3 { get; } =
        new MarkupChatTemplate("llama3", bos: "<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>\n\n", "<|eot_id|>", "<|eot_id|>");

    /// <summary>Short name: <c>plain</c>, <c>chatml</c> or <c>llama3</c>.</summary>
    public abstract string Name { get; }

    /// <summary>
    /// Whether the rendered text already starts with the beginning-of-text token, so the tokenizer must not add BOS again.
    /// </summary>
    public virtual bool IncludesBos => false;

    /// <summary>
    /// The special token that closes a message in this format (<c>&lt;|im_end|&gt;</c> for ChatML, <c>&lt;|eot_id|&gt;</c> for
    /// Llama 3), or null where messages have none (<see cref="Plain"/>). A model tuned on the format samples it when its reply is
    /// over, so <see cref="LocalChatClient"/> stops there as at the tokenizer's end-of-text token, which may be another one
    /// (Qwen2's <c>&lt;|endoftext|&gt;</c>, Llama 3's <c>&lt;|end_of_text|&gt;</c>).
    /// </summary>
    public virtual string? EndOfTurnToken => null;

    /// <summary>
    /// Renders <paramref name="messages"/> (messages with no text are skipped); with <paramref name="addGenerationPrompt"/> the
    /// text ends where the assistant's reply starts.
    /// </summary>
    public abstract string Render(IEnumerable<ChatMessage> messages, bool addGenerationPrompt = true);

    /// <summary>
    /// <see cref="Render"/> with the spans of the text that are the template's markup. A template defined elsewhere does not say
    /// which of its text is markup, so all of it counts as markup (special tokens are matched anywhere in it, as always).
    /// </summary>
    internal virtual RenderedPrompt RenderMarked(IEnumerable<ChatMessage> messages, bool addGenerationPrompt = true)
    {
        string text = Render(messages, addGenerationPrompt);
        return new RenderedPrompt(text, [(0, text.Length)]);
    }

    /// <summary>The template called <paramref name="name"/> (<c>plain</c>, <c>chatml</c>, <c>llama3</c>; case ignored).</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static ChatTemplate FromName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return name.ToLowerInvariant() switch
        {
            "plain" => Plain,
            "chatml" => ChatML,
            "llama3" or "llama-3" => Llama3,
            _ => throw new ArgumentException($"unknown chat template '{name}'; use plain, chatml or llama3.", nameof(name)),
        };
    }

    /// <summary>
    /// The template for the model at <paramref name="path"/>: a llama2.c checkpoint file gets <see cref="Plain"/>; a Hugging Face
    /// folder is judged by, in order, the <c>chat_template</c> of its <c>tokenizer_config.json</c> (which markers it writes), the
    /// special tokens its tokenizer files define, then <c>model_type</c> in <c>config.json</c> (<c>qwen*</c> → ChatML); anything
    /// else gets <see cref="Plain"/>, which never emits tokens the model might not know.
    /// </summary>
    public static ChatTemplate ForModel(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string folder = Directory.Exists(path) ? path : Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        if (!Directory.Exists(path) && !File.Exists(Path.Combine(folder, "config.json")))
        {
            return Plain; // a llama2.c checkpoint file
        }

        string configPath = Path.Combine(folder, "tokenizer_config.json");
        if (File.Exists(configPath))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(configPath));
            if (doc.RootElement.TryGetProperty("chat_template", out var t) && t.ValueKind == JsonValueKind.String
                && ByMarkers(t.GetString()!) is { } fromTemplate)
            {
                return fromTemplate;
            }
        }

        // Special tokens show which format the model was tuned with even where the config carries no template.
        foreach (string file in new[] { configPath, Path.Combine(folder, "tokenizer.json") })
        {
            if (File.Exists(file) && ByMarkers(File.ReadAllText(file)) is { } fromTokens)
            {
                return fromTokens;
            }
        }

        string modelConfig = Path.Combine(folder, "config.json");
        if (File.Exists(modelConfig))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(modelConfig));
            if (doc.RootElement.TryGetProperty("model_type", out var type) && type.ValueKind == JsonValueKind.String
                && type.GetString()!.StartsWith("qwen", StringComparison.OrdinalIgnoreCase))
            {
                return ChatML;
            }
        }

        return Plain;
    }

    private static ChatTemplate? ByMarkers(string text) =>
        text.Contains("<|im_start|>", StringComparison.Ordinal) ? ChatML
        : text.Contains("<|start_header_id|>", StringComparison.Ordinal) ? Llama3
        : null;

    /// <summary>The role's name as the templates write it.</summary>
    private protected static string RoleName(ChatRole role) => role.Value.ToLowerInvariant();
}
