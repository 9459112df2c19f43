using Microsoft.Extensions.AI;

namespace AgentMem.ModelHost;

/// <summary>
/// A chat format that wraps each message in special-token markup: the text opens with <paramref name="bos"/> (empty where the
/// tokenizer adds BOS), then per message <c>roleStart + role + roleEnd + text + messageEnd</c>, and for the generation prompt the
/// assistant's header alone; <paramref name="endOfTurn"/> is the special token in <paramref name="messageEnd"/> that the model
/// samples to close its reply. ChatML and Llama 3 differ only in these strings, so one renderer serves both.
/// </summary>
internal sealed class MarkupChatTemplate(string name, string bos, string roleStart, string roleEnd, string messageEnd, string endOfTurn) : ChatTemplate
{
    public override string Name => name;

    public override bool IncludesBos => bos.Length > 0;

    public override string? EndOfTurnToken => endOfTurn;

    public override string Render(IEnumerable<ChatMessage> messages, bool addGenerationPrompt = true) =>
        RenderMarked(messages, addGenerationPrompt).Text;

    internal override RenderedPrompt RenderMarked(IEnumerable<ChatMessage> messages, bool addGenerationPrompt = true)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var text = new StringBuilder();
        var markup = new List<(int Start, int End)>();
        void Markup(string s)
        {
            markup.Add((text.Length, text.Length + s.Length));
            text.Append(s);
        }

        Markup(bos);
        foreach (var message in messages.Where(m => !string.IsNullOrEmpty(m.Text)))
        {
            Markup(roleStart);
            text.Append(RoleName(message.Role)); // text, not markup: a custom role is the caller's data, as the message is
            Markup(roleEnd);
            text.Append(message.Text);
            Markup(messageEnd);
        }

        if (addGenerationPrompt)
        {
            Markup(roleStart);
            text.Append("assistant");
            Markup(roleEnd);
        }

        return new RenderedPrompt(text.ToString(), markup);
    }
}
