namespace AgentMem.ModelHost.Backends;

/// <summary>
/// Causal attention of <see cref="Tokens"/> queries over one layer's KV cache: token t (cache slot <see cref="StartSlot"/> + t)
/// attends over slots 0 .. its own, head h reading key/value head h / (heads / kvHeads).
/// </summary>
/// <param name="Q">[tokens × dim] queries, RoPE applied.</param>
/// <param name="Keys">The layer's keys [seqLen × kvDim], slots 0 .. StartSlot + Tokens − 1 filled.</param>
/// <param name="Values">The layer's values, same layout.</param>
/// <param name="Output">[tokens × dim]: per head Σ_t softmax(q·k_t/√hs) v_t.</param>
/// <param name="Tokens">Number of queries.</param>
/// <param name="StartSlot">Cache slot of the first query.</param>
/// <param name="Config">The model's shape (heads, KV heads, head size).</param>
/// <param name="Layer">Layer number, for <paramref name="Observer"/>.</param>
/// <param name="Observer">When set, sees every head's weights, token by token, head by head.</param>
internal readonly record struct AttentionArgs(DeviceView Q, DeviceView Keys, DeviceView Values, DeviceView Output, int Tokens, int StartSlot, LlamaConfig Config, int Layer, IAttentionObserver? Observer);
