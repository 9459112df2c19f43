namespace AgentMem.ModelHost.Tests;

public sealed class SamplerTests
{
    [Theory]
    [InlineData(0.9f)]
    [InlineData(1f)]
    public void A_temperature_so_small_that_the_logits_overflow_picks_the_greedy_token(float topP)
    {
        // 10 / 1e-38 is infinity: the softmax was NaN everywhere and picked token 0 (or the last one).
        var sampler = new Sampler(3, temperature: 1e-38f, topP: topP, seed: 7);
        Assert.Equal(1, sampler.Sample([0f, 10f, 0f]));
        Assert.Equal(1, sampler.Sample([-30f, -10f, -20f]));
    }

    [Fact]
    public void A_top_p_below_the_most_likely_tokens_probability_picks_that_token()
    {
        // Softmax of [0.405, 0] is about [0.6, 0.4]; llama2.c's cut, (1 - 0.3) / (2 - 1) = 0.7, keeps neither token, and the
        // nucleus read candidates[-1] (IndexOutOfRangeException). The nucleus of mass 0.3 is the 0.6 token alone.
        var sampler = new Sampler(2, temperature: 1f, topP: 0.3f, seed: 7);
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal(0, sampler.Sample([0.405f, 0f]));
        }
    }

    [Fact]
    public void A_top_p_that_takes_several_tokens_still_samples_among_them()
    {
        var sampler = new Sampler(4, temperature: 1f, topP: 0.9f, seed: 7);
        var seen = Enumerable.Range(0, 400).Select(_ => sampler.Sample([2f, 2f, 2f, -10f])).ToHashSet();
        Assert.Equal([0, 1, 2], seen.Order());
    }

    [Fact]
    public void Plain_sampling_never_picks_a_last_token_of_probability_zero()
    {
        // Token 0 holds 0.999 and 99,999 tokens 1e-8 each: added to 0.999 in float each is lost, so the running total stops
        // about 1e-3 short of 1 and a draw in that gap fell through to the last id, whose probability is exactly 0.
        const int V = 100_001;
        var logits = new float[V];
        logits.AsSpan(1, V - 2).Fill(MathF.Log(1e-8f / 0.999f));
        logits[^1] = -1000f;
        var sampler = new Sampler(V, 1f, topP: 1f, seed: 7);
        for (int i = 0; i < 10_000; i++)
        {
            Assert.NotEqual(V - 1, sampler.Sample(logits));
        }
    }

    [Fact]
    public void Top_k_keeps_only_the_k_most_likely_tokens_and_top_k_1_is_greedy()
    {
        float[] logits = [1f, 3f, 2f, 2.5f, 0.5f];
        var greedy = new Sampler(5, temperature: 5f, topP: 1f, seed: 7, topK: 1);
        Assert.All(Enumerable.Range(0, 100), _ => Assert.Equal(1, greedy.Sample(logits)));

        // At a high temperature all five tokens are likely; top-k 3 draws only the three best, top-k 0 (no limit) all of them.
        var three = new Sampler(5, temperature: 5f, topP: 1f, seed: 7, topK: 3);
        Assert.Equal([1, 2, 3], Enumerable.Range(0, 400).Select(_ => three.Sample(logits)).ToHashSet().Order());
        var nucleus = new Sampler(5, temperature: 5f, topP: 0.99f, seed: 7, topK: 3);
        Assert.Equal([1, 2, 3], Enumerable.Range(0, 400).Select(_ => nucleus.Sample(logits)).ToHashSet().Order());
        var all = new Sampler(5, temperature: 5f, topP: 1f, seed: 7, topK: 0);
        Assert.Equal([0, 1, 2, 3, 4], Enumerable.Range(0, 400).Select(_ => all.Sample(logits)).ToHashSet().Order());

        // A k of the vocabulary or more limits nothing: the same draws as without it.
        var wide = new Sampler(5, temperature: 5f, topP: 1f, seed: 7, topK: 9);
        var none = new Sampler(5, temperature: 5f, topP: 1f, seed: 7);
        Assert.Equal(Enumerable.Range(0, 50).Select(_ => none.Sample(logits)), Enumerable.Range(0, 50).Select(_ => wide.Sample(logits)));
        Assert.Equal("topK", Assert.Throws<ArgumentOutOfRangeException>(() => new Sampler(5, topK: -1)).ParamName);
    }

    [Theory]
    [InlineData(float.NaN, 0.9f)]
    [InlineData(float.PositiveInfinity, 0.9f)]
    [InlineData(-1f, 0.9f)]
    [InlineData(1f, float.NaN)]
    [InlineData(1f, -0.1f)]
    public void Settings_that_are_not_numbers_in_range_are_refused(float temperature, float topP) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sampler(8, temperature, topP));
}
