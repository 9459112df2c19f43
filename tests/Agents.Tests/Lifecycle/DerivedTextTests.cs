using AgentMem.Agents.Activation;
using AgentMem.Agents.Lifecycle;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Validation;

namespace AgentMem.Agents.Tests.Lifecycle;

/// <summary>
/// Texts the agent derives from longer ones (a thought's question and reply, a cartridge's or adapter's preview) are cut
/// between characters: a cut inside an emoji left a lone surrogate, the store refused it and the write it was part of failed.
/// </summary>
public sealed class DerivedTextTests
{
    [Fact]
    public void A_previews_cut_falls_before_a_pair_that_straddles_it()
    {
        string preview = DerivedPayloads.Preview(new string('a', 116) + "😀" + new string('b', 50));
        ContentRules.ValidateText(preview, 1024, "preview");
        Assert.Equal(new string('a', 116) + "...", preview);
    }

    [Fact]
    public void A_thoughts_text_is_valid_whatever_the_reply_ends_on_at_the_cut()
    {
        string reply = "Your cat Miso " + new string('x', 296 - 14) + "😀 and more";
        var draft = ThoughtRecorder.Draft("What is my cat called?", reply, [], "c1", DateTimeOffset.UnixEpoch, MemoryId.NewId());
        ContentRules.ValidateText(draft.Text, 1 << 20, "thought");
        Assert.DoesNotContain("😀", draft.Text, StringComparison.Ordinal);
    }
}
