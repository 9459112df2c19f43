namespace AgentMem.ModelHost;

/// <summary>
/// Sees the attention weights of every head during a forward pass, for example to score cache slots by the attention they
/// receive (H2O, SnapKV) before compressing a cache. Called on the forward pass's thread; the span is only valid during the call.
/// </summary>
public interface IAttentionObserver
{
    /// <summary>Softmaxed weights of query head <paramref name="head"/> in <paramref name="layer"/> over slots 0 .. <paramref name="slot"/>.</summary>
    void OnAttention(int layer, int head, int slot, ReadOnlySpan<float> weights);
}
