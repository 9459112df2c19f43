using Microsoft.Extensions.AI;

namespace AgentMem.ModelHost;

/// <summary>
/// The llama2.c story models' "template": every message's text, whatever its role, joined with a single <c>"\n"</c>; the
/// tokenizer adds BOS. A single message is therefore exactly the prompt <see cref="Generator"/> would be given.
/// </summary>
internal sealed class PlainChatTemplate : ChatTemplate
{
    public override string Name => "plain";

    public override string Render(IEnumerable<ChatMessage> messages, bool addGenerationPrompt = true)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return string.Join("\n", messages.Select(m => m.Text).Where(t => !string.IsNullOrEmpty(t)));
    }

    // No markup: every character is message text.
    internal override RenderedPrompt RenderMarked(IEnumerable<ChatMessage> messages, bool addGenerationPrompt = true) =>
        new(Render(messages, addGenerationPrompt), []);
}
