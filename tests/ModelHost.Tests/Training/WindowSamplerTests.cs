using AgentMem.ModelHost.Training;

namespace AgentMem.ModelHost.Tests.Training;

/// <summary>The windows <see cref="LoraAdapterTrainer"/>'s steps train on: seeded passes over every window, no window twice in a batch.</summary>
public sealed class WindowSamplerTests
{
    [Theory]
    [InlineData(3, 2, 0)]
    [InlineData(5, 3, 1)]
    [InlineData(7, 4, 9)]
    public void A_batch_never_holds_a_window_twice_and_each_pass_visits_every_window_once(int windows, int batch, int seed)
    {
        // A pass ending partway through a batch reshuffled there, and the new order could begin with the window just taken:
        // 3 windows in batches of 2, seed 0, gave [0, 0] at step 8 and six such batches in 60 steps.
        var sampler = new WindowSampler(windows, batch, seed);
        var drawn = new List<int>();
        for (int step = 0; step < 60; step++)
        {
            int[] picked = sampler.Next().ToArray();
            Assert.Equal(batch, picked.Length);
            Assert.True(picked.Distinct().Count() == batch, $"step {step}: windows [{string.Join(", ", picked)}]");
            drawn.AddRange(picked);
        }

        for (int pass = 0; (pass + 1) * windows <= drawn.Count; pass++)
        {
            Assert.Equal(Enumerable.Range(0, windows), drawn.GetRange(pass * windows, windows).Order());
        }
    }

    [Fact]
    public void The_order_is_the_seeds_shuffled_passes_where_no_batch_straddles_two()
    {
        // Batches that divide a pass are what the trainer drew before: seeded results stay what they were.
        var random = new Random(4);
        var expected = new List<int>();
        for (int pass = 0; pass < 5; pass++)
        {
            int[] order = [.. Enumerable.Range(0, 6)];
            random.Shuffle(order);
            expected.AddRange(order);
        }

        var sampler = new WindowSampler(6, 3, 4);
        var drawn = Enumerable.Range(0, 10).SelectMany(_ => sampler.Next().ToArray()).ToList();
        Assert.Equal(expected, drawn);
        var again = new WindowSampler(6, 3, 4);
        Assert.Equal(drawn, Enumerable.Range(0, 10).SelectMany(_ => again.Next().ToArray()));
    }

    [Fact]
    public void A_batch_larger_than_the_data_holds_every_window_once()
    {
        var sampler = new WindowSampler(3, 5, 0);
        Assert.Equal(3, sampler.Batch);
        for (int step = 0; step < 4; step++)
        {
            Assert.Equal([0, 1, 2], sampler.Next().ToArray().Order());
        }
    }
}
