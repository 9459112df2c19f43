using AgentMem.MemoryCore.Forgetting;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;

namespace AgentMem.MemoryCore.Tests;

public sealed class ForgettingCurveTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Retention_is_e_to_the_minus_t_over_S()
    {
        Assert.Equal(1.0, ForgettingCurve.Retention(0, 1));
        Assert.Equal(Math.Exp(-1), ForgettingCurve.Retention(2, 2), 12);
        Assert.Equal(Math.Exp(-3.0 / 4), ForgettingCurve.Retention(3, 4), 12);
        Assert.Equal(1.0, ForgettingCurve.Retention(-5, 1)); // recall "in the future" (clock skew) does not exceed 1
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(3)]
    [InlineData(30)]
    public void A_stronger_memory_retains_more_after_the_same_time(double days)
    {
        // The MemoryBank reference code's e^(−t/5·S) would make the S = 5 memory fade faster.
        double weak = ForgettingCurve.Retention(days, 1);
        double strong = ForgettingCurve.Retention(days, 5);
        Assert.True(strong > weak, $"S=5 retains {strong}, S=1 retains {weak}");
    }

    [Fact]
    public void A_recall_after_a_gap_adds_up_to_one_plus_importance_and_a_fresh_recall_adds_almost_nothing()
    {
        double fresh = ForgettingCurve.Reinforce(1, 0.5, 1.0 / (24 * 60)); // a minute later
        double dayLater = ForgettingCurve.Reinforce(1, 0.5, 1);
        double monthLater = ForgettingCurve.Reinforce(1, 0.5, 30);

        Assert.InRange(fresh - 1, 0, 0.01);
        Assert.Equal(1 + (1.5 * (1 - Math.Exp(-1))), dayLater, 12);
        Assert.InRange(monthLater, 2.5 - 1e-9, 2.5); // the full step, 1 + importance
        Assert.True(ForgettingCurve.Reinforce(1, 1.0, 3) > ForgettingCurve.Reinforce(1, 0.0, 3), "importance speeds up reinforcement");
    }

    [Fact]
    public void Item_retention_counts_from_the_last_recall_else_from_when_it_was_recorded()
    {
        var never = Item(strength: 2, lastRecalled: null);
        var recalled = never with { LastRecalledAt = T0.AddDays(3) };

        Assert.Equal(Math.Exp(-4.0 / 2), ForgettingCurve.Retention(never, T0.AddDays(4)), 12);
        Assert.Equal(Math.Exp(-1.0 / 2), ForgettingCurve.Retention(recalled, T0.AddDays(4)), 12);
        Assert.Equal(T0.AddDays(3), ForgettingCurve.Anchor(recalled));
    }

    [Fact]
    public void Days_until_a_threshold_inverts_the_curve()
    {
        double days = ForgettingCurve.DaysUntil(0.1, 3);
        Assert.Equal(0.1, ForgettingCurve.Retention(days, 3), 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => ForgettingCurve.DaysUntil(1, 3));
    }

    [Fact]
    public void The_forgetting_rule_explains_itself_and_spares_what_is_above_the_threshold()
    {
        var item = Item(strength: 1, lastRecalled: null);
        Assert.Null(ForgettingJob.Why(item, 0.1, 0, T0.AddDays(2))); // e^-2 = 0.135
        string? why = ForgettingJob.Why(item, 0.1, 0, T0.AddDays(3)); // e^-3 = 0.0498
        Assert.NotNull(why);
        Assert.Contains("retention 0.0498 < 0.1", why, StringComparison.Ordinal);
        Assert.Contains("not recalled for 11 d", ForgettingJob.Why(item with { Strength = 1000 }, null, 10, T0.AddDays(11)), StringComparison.Ordinal);
    }

    internal static MemoryItem Item(double strength, DateTimeOffset? lastRecalled, string text = "x") => new()
    {
        Id = MemoryId.NewId(T0),
        CubeId = "c",
        Scope = new Scope("t"),
        Text = text,
        ContentHash = new string('0', 64),
        Provenance = new Provenance(SourceKind.Conversation, null, null, T0),
        Strength = strength,
        LastRecalledAt = lastRecalled,
        UpdatedAt = T0,
    };
}
