using Microsoft.Extensions.AI;

namespace AgentMem.ModelHost;

/// <summary>ChatML as Qwen models use it: <c>&lt;|im_start|&gt;role\ntext&lt;|im_end|&gt;\n</c> per message.</summary>
internal sealed class ChatMLTemplate : ChatTemplate
{
    public override string Name => "chatml";

    public override string Render(IEnumerable<ChatMessage> messages, bool addGenerationPrompt = true)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var text = new StringBuilder();
        foreach (var message in messages.Where(m => !string.IsNullOrEmpty(m.Text)))
        {
            text.Append("<|im_start|>").Append(RoleName(message.Role)).Append('\n').Append(message.Text).Append("<|im_end|>\n");
        }

        if (addGenerationPrompt)
        {
            text.Append("<|im_start|>assistant\n");
        }

        return text.ToString();
    }
}
