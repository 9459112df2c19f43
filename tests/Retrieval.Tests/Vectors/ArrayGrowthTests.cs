using AgentMem.Retrieval.Vectors;

namespace AgentMem.Retrieval.Tests.Vectors;

public sealed class ArrayGrowthTests
{
    [Fact]
    public void Growth_doubles_until_one_array_is_full_and_never_overflows()
    {
        // 2^20 rows of 1,024 floats doubled is 2^31 elements: the int product went negative.
        int most = (Array.MaxLength - 16) / 1024;
        int next = ArrayGrowth.Next(1 << 20, (1 << 20) + 1, 1024, spare: 16);
        Assert.Equal(most, next);
        Assert.True((long)next * 1024 + 16 <= Array.MaxLength);

        Assert.Equal(64, ArrayGrowth.Next(32, 33, 24));
        Assert.Equal(100, ArrayGrowth.Next(32, 100, 24));
        var ex = Assert.Throws<InvalidOperationException>(() => ArrayGrowth.Next(most, most + 1L, 1024, spare: 16));
        Assert.Contains("at most", ex.Message, StringComparison.Ordinal);
    }
}
