using Microsoft.Extensions.AI;

namespace AgentMem.ModelHost;

/// <summary>
/// A chat format that wraps each message in special-token markup: the text opens with <paramref name="bos"/> (empty where the
/// tokenizer adds BOS), then per message <c>roleStart + role + roleEnd + text + messageEnd</c>, and for the generation prompt the
/// assistant's header alone. ChatML and Llama 3 differ only in these strings, so one renderer serves both.
/// </summary>
internal sealed class MarkupChatTemplate(string name, string bos, string roleStart, string roleEnd, string messageEnd) : ChatTemplate
{
    public override string Name => name;

    public override bool IncludesBos => bos.Length > 0;

    public override string Render(IEnumerable<ChatMessage> messages, bool addGenerationPrompt = true)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var text = new StringBuilder(bos);
        foreach (var message in messages.Where(m => !string.IsNullOrEmpty(m.Text)))
        {
            text.Append(roleStart).Append(RoleName(message.Role)).Append(roleEnd).Append(message.Text).Append(messageEnd);
        }

        if (addGenerationPrompt)
        {
            text.Append(roleStart).Append("assistant").Append(roleEnd);
        }

        return text.ToString();
    }
}
