using Microsoft.Extensions.AI;

namespace AgentMem.ModelHost;

/// <summary>
/// Llama 3 instruct: <c>&lt;|begin_of_text|&gt;</c>, then <c>&lt;|start_header_id|&gt;role&lt;|end_header_id|&gt;\n\ntext&lt;|eot_id|&gt;</c>
/// per message. The text starts with the BOS token itself, so it is encoded without adding another.
/// </summary>
internal sealed class Llama3ChatTemplate : ChatTemplate
{
    public override string Name => "llama3";

    public override bool IncludesBos => true;

    public override string Render(IEnumerable<ChatMessage> messages, bool addGenerationPrompt = true)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var text = new StringBuilder("<|begin_of_text|>");
        foreach (var message in messages.Where(m => !string.IsNullOrEmpty(m.Text)))
        {
            text.Append("<|start_header_id|>").Append(RoleName(message.Role)).Append("<|end_header_id|>\n\n").Append(message.Text).Append("<|eot_id|>");
        }

        if (addGenerationPrompt)
        {
            text.Append("<|start_header_id|>assistant<|end_header_id|>\n\n");
        }

        return text.ToString();
    }
}
