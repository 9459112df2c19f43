namespace AgentMem.ModelHost.Tests;

/// <summary><see cref="LlamaModel.ForwardAt"/>: slots decoupled from positions, and the attention observer.</summary>
public sealed class AttentionObserverTests
{
    private static readonly Lazy<LlamaModel> Model = new(() => LlamaModel.Load(RepoPaths.StoriesModel));

    [Fact]
    public void Observer_sees_every_head_of_every_layer_with_weights_summing_to_one()
    {
        var model = Model.Value;
        var cache = model.CreateCache();
        var observer = new Recorder();
        int[] tokens = [1, 300, 301, 302, 303];
        for (int p = 0; p < tokens.Length; p++)
        {
            model.ForwardAt(tokens[p], p, p, cache, observer);
        }

        Assert.Equal(tokens.Length * model.Config.Layers * model.Config.Heads, observer.Calls);
        Assert.True(observer.MaxSumError < 1e-5, $"max |sum - 1| = {observer.MaxSumError}");
        Assert.Equal(tokens.Length, cache.Length);
        Assert.Equal(3, cache.PositionOf(3));
        Assert.Equal(tokens.Length, cache.NextPosition);
    }

    [Fact]
    public void Slot_and_position_are_independent_and_Forward_is_ForwardAt_with_slot_equal_position()
    {
        var model = Model.Value;
        var a = model.CreateCache();
        var b = model.CreateCache();
        model.Forward(1, 0, a);
        float[] viaForward = model.Forward(300, 1, a).ToArray();
        model.ForwardAt(1, 0, 0, b);
        float[] viaForwardAt = model.ForwardAt(300, 1, 1, b).ToArray();
        Assert.Equal(viaForward, viaForwardAt);

        // The same token at a later RoPE position in the same slot gives other logits and records that position.
        float[] shifted = model.ForwardAt(300, 7, 1, b).ToArray();
        Assert.NotEqual(viaForward, shifted);
        Assert.Equal(7, b.PositionOf(1));
        Assert.Equal(8, b.NextPosition);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.ForwardAt(300, 9, 5, b));
    }

    private sealed class Recorder : IAttentionObserver
    {
        public int Calls { get; private set; }

        public double MaxSumError { get; private set; }

        public void OnAttention(int layer, int head, int slot, ReadOnlySpan<float> weights)
        {
            Calls++;
            Assert.Equal(slot + 1, weights.Length);
            double sum = 0;
            foreach (float w in weights)
            {
                sum += w;
            }

            MaxSumError = Math.Max(MaxSumError, Math.Abs(sum - 1));
        }
    }
}
