using AgentMem.MemoryCore.Import;
using AgentMem.MemoryCore.Model;

namespace AgentMem.MemoryCore.Tests.Import;

/// <summary>What the importer does with a turn over the content limit is one of the named policies, never a number.</summary>
public sealed class OversizePolicyTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(-1)]
    public void A_policy_that_names_no_member_is_refused_not_taken_as_split(int value)
    {
        // Anything but Skip split: a number parsed from a command line stored oversized turns in parts without a word.
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => ConversationImporter.FitToLimit([new MemoryDraft(new string('x', 100))], 10, (OversizePolicy)value));
        Assert.Equal("policy", ex.ParamName);
    }
}
