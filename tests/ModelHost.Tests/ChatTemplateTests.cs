using Microsoft.Extensions.AI;

namespace AgentMem.ModelHost.Tests;

/// <summary>The chat templates' exact output and how one is picked from a model folder.</summary>
public sealed class ChatTemplateTests
{
    private static readonly ChatMessage[] Conversation =
    [
        new(ChatRole.System, "You are kind."),
        new(ChatRole.User, "Hi"),
        new(ChatRole.Assistant, "Hello!"),
        new(ChatRole.User, "Tell a story."),
    ];

    [Fact]
    public void ChatML_renders_im_start_blocks_and_the_assistant_header()
    {
        Assert.Equal(
            "<|im_start|>system\nYou are kind.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nTell a story.<|im_end|>\n<|im_start|>assistant\n",
            ChatTemplate.ChatML.Render(Conversation));
        Assert.Equal("<|im_start|>user\nHi<|im_end|>\n", ChatTemplate.ChatML.Render([new ChatMessage(ChatRole.User, "Hi")], addGenerationPrompt: false));
        Assert.False(ChatTemplate.ChatML.IncludesBos);
        Assert.Equal("<|im_end|>", ChatTemplate.ChatML.EndOfTurnToken);
    }

    [Fact]
    public void Llama3_renders_headers_and_eot_after_begin_of_text()
    {
        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are kind.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nTell a story.<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
            ChatTemplate.Llama3.Render(Conversation));
        Assert.True(ChatTemplate.Llama3.IncludesBos);
        Assert.Equal("<|eot_id|>", ChatTemplate.Llama3.EndOfTurnToken);
    }

    [Fact]
    public void Plain_joins_texts_with_newlines_and_skips_empty_messages()
    {
        ChatMessage[] messages = [new(ChatRole.System, "Lily had a red ball."), new(ChatRole.User, string.Empty), new(ChatRole.User, "One day")];
        Assert.Equal("Lily had a red ball.\nOne day", ChatTemplate.Plain.Render(messages));
        Assert.Equal("You are kind.\nHi\nHello!\nTell a story.", ChatTemplate.Plain.Render(Conversation));
        Assert.Null(ChatTemplate.Plain.EndOfTurnToken);
        Assert.Equal(ChatTemplate.Plain.Render(messages), LocalChatClient.RenderPrompt(messages));
    }

    [Fact]
    public void From_name_knows_the_three_templates()
    {
        Assert.Same(ChatTemplate.Plain, ChatTemplate.FromName("plain"));
        Assert.Same(ChatTemplate.ChatML, ChatTemplate.FromName("ChatML"));
        Assert.Same(ChatTemplate.Llama3, ChatTemplate.FromName("llama-3"));
        Assert.Throws<ArgumentException>(() => ChatTemplate.FromName("vicuna"));
    }

    [Fact]
    public void For_model_reads_the_chat_template_the_special_tokens_then_the_model_type()
    {
        using var temp = new TempFolder("chat-templates");
        Assert.Same(ChatTemplate.Plain, ChatTemplate.ForModel(RepoPaths.StoriesModel));

        string qwen = Folder(temp, "qwen", ("tokenizer_config.json", """{"chat_template": "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"}"""));
        Assert.Same(ChatTemplate.ChatML, ChatTemplate.ForModel(qwen));

        string llama = Folder(temp, "llama", ("tokenizer_config.json", """{"chat_template": "{{ '<|start_header_id|>' + m.role + '<|end_header_id|>' }}"}"""), ("config.json", """{"model_type": "llama"}"""));
        Assert.Same(ChatTemplate.Llama3, ChatTemplate.ForModel(llama));
        Assert.Same(ChatTemplate.Llama3, ChatTemplate.ForModel(Path.Combine(llama, "model.safetensors")));

        string tokensOnly = Folder(temp, "tokens", ("tokenizer.json", """{"added_tokens": [{"id": 1, "content": "<|im_start|>", "special": true}]}"""));
        Assert.Same(ChatTemplate.ChatML, ChatTemplate.ForModel(tokensOnly));

        string typeOnly = Folder(temp, "type", ("config.json", """{"model_type": "qwen2"}"""));
        Assert.Same(ChatTemplate.ChatML, ChatTemplate.ForModel(typeOnly));

        string smol = Folder(temp, "smol", ("config.json", """{"model_type": "llama"}"""), ("tokenizer_config.json", """{"bos_token": "<s>"}"""));
        Assert.Same(ChatTemplate.Plain, ChatTemplate.ForModel(smol));
    }

    private static string Folder(TempFolder temp, string name, params (string File, string Text)[] files)
    {
        string folder = temp.File(name);
        Directory.CreateDirectory(folder);
        foreach (var (file, text) in files)
        {
            File.WriteAllText(Path.Combine(folder, file), text);
        }

        return folder;
    }
}
