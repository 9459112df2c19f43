using AgentMem.Common.Metrics;

namespace AgentMem.Common.Tests.Metrics;

public class PercentilesTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(50, 2.5)]
    [InlineData(95, 3.85)]
    [InlineData(99, 3.97)]
    [InlineData(100, 4)]
    public void Interpolates_linearly_between_closest_ranks(double percentile, double expected)
    {
        // Unsorted on purpose: rank h = 3 * p / 100 over sorted {1, 2, 3, 4}.
        Assert.Equal(expected, Percentiles.Compute([4, 1, 3, 2], percentile), 12);
    }

    [Fact]
    public void Single_value_is_every_percentile()
    {
        Assert.Equal(7, Percentiles.Compute([7], 99));
    }

    [Fact]
    public void Rejects_empty_input_and_out_of_range_percentiles()
    {
        Assert.Throws<ArgumentException>(() => Percentiles.Compute([], 50));
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentiles.Compute([1], 101));
    }
}
